-- Trent store schema, version 1. Shipped: never edit, add the next file instead.

CREATE TABLE keys (
    region              TEXT    NOT NULL,
    key_id              TEXT    NOT NULL,
    account             TEXT    NOT NULL,
    description         TEXT    NOT NULL,
    key_spec            TEXT    NOT NULL,
    key_usage           TEXT    NOT NULL,
    origin              TEXT    NOT NULL,
    state               TEXT    NOT NULL,
    creation_date       INTEGER NOT NULL,   -- ms since the epoch
    deletion_date       INTEGER,            -- ms since the epoch
    pending_window_days INTEGER,
    policy              TEXT    NOT NULL,
    multi_region        INTEGER NOT NULL CHECK (multi_region IN (0, 1)),
    current_material    TEXT,               -- 64 lowercase hex digits
    version             INTEGER NOT NULL,
    PRIMARY KEY (region, key_id)
) STRICT;
CREATE INDEX keys_by_account ON keys (region, account, key_id);
CREATE INDEX keys_by_deletion ON keys (state, deletion_date);

CREATE TABLE materials (
    region      TEXT    NOT NULL,
    key_id      TEXT    NOT NULL,
    material_id TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    created     INTEGER NOT NULL,
    sealed      BLOB    NOT NULL,
    PRIMARY KEY (region, key_id, material_id),
    FOREIGN KEY (region, key_id) REFERENCES keys (region, key_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE aliases (
    region            TEXT    NOT NULL,
    account           TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    target_key_id     TEXT    NOT NULL,
    creation_date     INTEGER NOT NULL,
    last_updated_date INTEGER NOT NULL,
    PRIMARY KEY (region, account, name),
    FOREIGN KEY (region, target_key_id) REFERENCES keys (region, key_id) ON DELETE CASCADE
) STRICT;
-- Serves both list_aliases filtered by key and the cascade from keys.
CREATE INDEX aliases_by_target ON aliases (region, target_key_id, account, name);

CREATE TABLE tags (
    region    TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (region, key_id, tag_key),
    FOREIGN KEY (region, key_id) REFERENCES keys (region, key_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY,
    event_id   TEXT    NOT NULL,
    time       INTEGER NOT NULL,
    event_json TEXT    NOT NULL,
    hash       BLOB    NOT NULL
) STRICT;
