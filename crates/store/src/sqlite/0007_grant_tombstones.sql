-- Trent store schema, version 7: the ids of grants that were retired or revoked, so a grant
-- token of one (which carries its grant's facts and outlives it) is refused once the store
-- knows the grant is gone. Shipped: never edit, add the next file instead.

CREATE TABLE retired_grants (
    grant_id     TEXT    NOT NULL PRIMARY KEY,   -- 64 lowercase hex digits
    region       TEXT    NOT NULL,
    retired_date INTEGER NOT NULL                -- ms since the epoch
) STRICT;
