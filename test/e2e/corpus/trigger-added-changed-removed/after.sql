CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, updated_at TEXT);
CREATE TABLE audit (id INTEGER PRIMARY KEY, item_id INTEGER, what TEXT);
CREATE TRIGGER items_touch AFTER UPDATE OF name ON items BEGIN UPDATE items SET updated_at = 'new' WHERE id = NEW.id; END;
CREATE TRIGGER items_born AFTER INSERT ON items BEGIN INSERT INTO audit (item_id, what) VALUES (NEW.id, 'created'); END;
