-- Trent store schema, version 9: the change feed. Shipped: never edit, add the next file instead.

-- Every committed change to a key or to what its cache entry holds (materials, tags, grants,
-- imported materials, the multi-Region set) and to an alias, one row per changed row, written
-- by triggers so that no writer can forget one. Each node reads the rows after the last one it
-- saw and drops those keys and aliases from its cache: a change made through one node reaches
-- every other node's cache without any read on the hot path.
-- `region` NULL means the key in every region (a multi-Region key's set changed); `account`
-- and `alias` are set when an alias changed (`key_id` is then the alias's target).
-- AUTOINCREMENT: a seq is never reused, so a reader can tell rows it missed (pruned) by the
-- gap.
CREATE TABLE changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    region  TEXT,
    key_id  TEXT NOT NULL,
    account TEXT,
    alias   TEXT
) STRICT;

CREATE TRIGGER keys_insert_changes AFTER INSERT ON keys BEGIN
    INSERT INTO changes (region, key_id) VALUES (NEW.region, NEW.key_id);
END;

CREATE TRIGGER keys_update_changes AFTER UPDATE ON keys BEGIN
    INSERT INTO changes (region, key_id) VALUES (NEW.region, NEW.key_id);
END;

CREATE TRIGGER keys_delete_changes AFTER DELETE ON keys BEGIN
    INSERT INTO changes (region, key_id) VALUES (OLD.region, OLD.key_id);
END;

CREATE TRIGGER materials_insert_changes AFTER INSERT ON materials BEGIN
    INSERT INTO changes (region, key_id) VALUES (NEW.region, NEW.key_id);
END;

CREATE TRIGGER materials_update_changes AFTER UPDATE ON materials BEGIN
    INSERT INTO changes (region, key_id) VALUES (NEW.region, NEW.key_id);
END;

CREATE TRIGGER materials_delete_changes AFTER DELETE ON materials BEGIN
    INSERT INTO changes (region, key_id) VALUES (OLD.region, OLD.key_id);
END;

CREATE TRIGGER tags_insert_changes AFTER INSERT ON tags BEGIN
    INSERT INTO changes (region, key_id) VALUES (NEW.region, NEW.key_id);
END;

CREATE TRIGGER tags_update_changes AFTER UPDATE ON tags BEGIN
    INSERT INTO changes (region, key_id) VALUES (NEW.region, NEW.key_id);
END;

CREATE TRIGGER tags_delete_changes AFTER DELETE ON tags BEGIN
    INSERT INTO changes (region, key_id) VALUES (OLD.region, OLD.key_id);
END;

CREATE TRIGGER grants_insert_changes AFTER INSERT ON grants BEGIN
    INSERT INTO changes (region, key_id) VALUES (NEW.region, NEW.key_id);
END;

CREATE TRIGGER grants_update_changes AFTER UPDATE ON grants BEGIN
    INSERT INTO changes (region, key_id) VALUES (NEW.region, NEW.key_id);
END;

CREATE TRIGGER grants_delete_changes AFTER DELETE ON grants BEGIN
    INSERT INTO changes (region, key_id) VALUES (OLD.region, OLD.key_id);
END;

CREATE TRIGGER imported_materials_insert_changes AFTER INSERT ON imported_materials BEGIN
    INSERT INTO changes (region, key_id) VALUES (NEW.region, NEW.key_id);
END;

CREATE TRIGGER imported_materials_update_changes AFTER UPDATE ON imported_materials BEGIN
    INSERT INTO changes (region, key_id) VALUES (NEW.region, NEW.key_id);
END;

CREATE TRIGGER imported_materials_delete_changes AFTER DELETE ON imported_materials BEGIN
    INSERT INTO changes (region, key_id) VALUES (OLD.region, OLD.key_id);
END;

CREATE TRIGGER aliases_insert_changes AFTER INSERT ON aliases BEGIN
    INSERT INTO changes (region, key_id, account, alias)
        VALUES (NEW.region, NEW.target_key_id, NEW.account, NEW.name);
END;
CREATE TRIGGER aliases_update_changes AFTER UPDATE ON aliases BEGIN
    INSERT INTO changes (region, key_id, account, alias)
        VALUES (OLD.region, OLD.target_key_id, OLD.account, OLD.name);
    INSERT INTO changes (region, key_id, account, alias)
        VALUES (NEW.region, NEW.target_key_id, NEW.account, NEW.name);
END;
CREATE TRIGGER aliases_delete_changes AFTER DELETE ON aliases BEGIN
    INSERT INTO changes (region, key_id, account, alias)
        VALUES (OLD.region, OLD.target_key_id, OLD.account, OLD.name);
END;

CREATE TRIGGER multi_region_keys_insert_changes AFTER INSERT ON multi_region_keys BEGIN
    INSERT INTO changes (region, key_id) VALUES (NULL, NEW.key_id);
END;

CREATE TRIGGER multi_region_keys_update_changes AFTER UPDATE ON multi_region_keys BEGIN
    INSERT INTO changes (region, key_id) VALUES (NULL, NEW.key_id);
END;

CREATE TRIGGER multi_region_keys_delete_changes AFTER DELETE ON multi_region_keys BEGIN
    INSERT INTO changes (region, key_id) VALUES (NULL, OLD.key_id);
END;
