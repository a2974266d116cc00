-- Trent store schema, version 3: each key's last cryptographic use. Shipped: never edit, add
-- the next file instead.

CREATE TABLE key_usage (
    region     TEXT    NOT NULL,
    key_id     TEXT    NOT NULL,
    time       INTEGER NOT NULL,   -- ms since the epoch
    operation  TEXT    NOT NULL,
    request_id TEXT    NOT NULL,
    event_id   TEXT    NOT NULL,
    PRIMARY KEY (region, key_id),
    FOREIGN KEY (region, key_id) REFERENCES keys (region, key_id) ON DELETE CASCADE
) STRICT;
