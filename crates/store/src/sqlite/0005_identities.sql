-- Trent store schema, version 5: identities. Shipped: never edit, add the next file instead.

CREATE TABLE principals (
    arn     TEXT    NOT NULL PRIMARY KEY,   -- arn:aws:iam::ACCOUNT:KIND/PATH/NAME
    account TEXT    NOT NULL,
    kind    TEXT    NOT NULL CHECK (kind IN ('user', 'role')),
    name    TEXT    NOT NULL,
    path    TEXT    NOT NULL,
    tags    TEXT    NOT NULL,               -- JSON object: tag key -> value
    created INTEGER NOT NULL                -- ms since the epoch
) STRICT;
-- As in IAM, names are unique in an account (per kind) regardless of path and ASCII case.
CREATE UNIQUE INDEX principals_by_name ON principals (account, kind, name COLLATE NOCASE);

-- No ON DELETE CASCADE: a principal is deleted only once its keys and policies are gone.
CREATE TABLE access_keys (
    access_key_id TEXT    NOT NULL PRIMARY KEY,
    principal     TEXT    NOT NULL REFERENCES principals (arn),
    sealed_secret BLOB    NOT NULL,         -- sealed by trent-seal, bound to access_key_id
    status        TEXT    NOT NULL CHECK (status IN ('Active', 'Inactive')),
    created       INTEGER NOT NULL
) STRICT;
CREATE INDEX access_keys_by_principal ON access_keys (principal, access_key_id);

CREATE TABLE identity_policies (
    principal TEXT NOT NULL REFERENCES principals (arn),
    name      TEXT NOT NULL,
    document  TEXT NOT NULL,
    PRIMARY KEY (principal, name)
) STRICT;

-- One row: bumped by every change to the three tables above, in the same transaction, so a
-- server polls one integer to learn whether its in-memory identities are stale.
CREATE TABLE identity_generation (
    id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 0),
    generation INTEGER NOT NULL
) STRICT;
INSERT INTO identity_generation (id, generation) VALUES (0, 0);
