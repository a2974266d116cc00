-- Trent store schema, version 4: grants. Shipped: never edit, add the next file instead.

CREATE TABLE grants (
    grant_id        TEXT    NOT NULL PRIMARY KEY,   -- 64 lowercase hex digits
    region          TEXT    NOT NULL,
    key_id          TEXT    NOT NULL,
    name            TEXT,
    grantee         TEXT    NOT NULL,
    retiring        TEXT,
    operations      TEXT    NOT NULL,   -- comma-separated GrantOperation values
    constraints     TEXT    NOT NULL,   -- JSON: {"equals":{...},"subset":{...}}
    issuing_account TEXT    NOT NULL,
    creation_date   INTEGER NOT NULL,   -- ms since the epoch
    token_hash      BLOB    NOT NULL,
    FOREIGN KEY (region, key_id) REFERENCES keys (region, key_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX grants_by_key ON grants (region, key_id, grant_id);
CREATE INDEX grants_by_retiring ON grants (region, retiring, grant_id);
