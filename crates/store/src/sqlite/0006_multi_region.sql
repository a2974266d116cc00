-- Trent store schema, version 7: multi-Region keys. Shipped: never edit, add the next file
-- instead.

-- One row per set of related multi-Region keys. The keys themselves are rows of `keys` that
-- share the key id (`mrk-...`), one per region, each with its own materials sealed under its
-- own ARN; this row says which of them is the primary. A key's MultiRegionKeyType is PRIMARY
-- when its region is `primary_region`, REPLICA otherwise.
CREATE TABLE multi_region_keys (
    key_id         TEXT NOT NULL PRIMARY KEY,
    account        TEXT NOT NULL,
    primary_region TEXT NOT NULL
) STRICT;

-- The related keys of a multi-Region key, in every region.
CREATE INDEX keys_by_key_id ON keys (key_id, region);
