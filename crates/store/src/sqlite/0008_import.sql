-- Trent store schema, version 8: imported key material. Shipped: never edit, add the next file instead.

-- Every material ever imported into a key of origin EXTERNAL, whether or not it is there now:
-- a material deleted or expired keeps its row (PENDING_IMPORT) until the same material comes
-- back. While it is imported its sealed bytes are in `materials` too.
CREATE TABLE imported_materials (
    region        TEXT    NOT NULL,
    key_id        TEXT    NOT NULL,
    material_id   TEXT    NOT NULL,
    state         TEXT    NOT NULL,   -- CURRENT, NON_CURRENT or PENDING_ROTATION
    import_state  TEXT    NOT NULL,   -- IMPORTED or PENDING_IMPORT
    valid_to      INTEGER,            -- ms since the epoch; NULL: does not expire, or not imported
    description   TEXT,
    associated    INTEGER NOT NULL,   -- when it was first imported, ms since the epoch
    rotation_date INTEGER,            -- when RotateKeyOnDemand made it current
    PRIMARY KEY (region, key_id, material_id),
    FOREIGN KEY (region, key_id) REFERENCES keys (region, key_id) ON DELETE CASCADE
) STRICT;
-- The expiry job's question: which imported materials have expired?
CREATE INDEX imported_materials_by_valid_to ON imported_materials (valid_to)
    WHERE valid_to IS NOT NULL;
