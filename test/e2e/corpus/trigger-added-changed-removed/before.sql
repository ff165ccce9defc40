CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, updated_at TEXT);
CREATE TABLE audit (id INTEGER PRIMARY KEY, item_id INTEGER, what TEXT);
CREATE TRIGGER items_touch AFTER UPDATE OF name ON items BEGIN UPDATE items SET updated_at = 'old' WHERE id = NEW.id; END;
CREATE TRIGGER items_gone AFTER DELETE ON items BEGIN INSERT INTO audit (item_id, what) VALUES (OLD.id, 'deleted'); END;
