CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);
CREATE TRIGGER items_upper AFTER INSERT ON items BEGIN UPDATE items SET name = upper(NEW.name) WHERE id = NEW.id; END;
