-- Trent store schema, version 2: key rotation. Shipped: never edit, add the next file instead.

-- Automatic rotation: both set while it is enabled, both NULL otherwise.
ALTER TABLE keys ADD COLUMN rotation_period_days INTEGER CHECK (rotation_period_days > 0);
ALTER TABLE keys ADD COLUMN next_rotation_date   INTEGER;   -- ms since the epoch
-- The rotation job's question: which enabled keys are due?
CREATE INDEX keys_by_next_rotation ON keys (next_rotation_date)
    WHERE next_rotation_date IS NOT NULL;

-- How a material came to be: NULL for a key's first, else AUTOMATIC or ON_DEMAND.
ALTER TABLE materials ADD COLUMN rotation_type TEXT;
