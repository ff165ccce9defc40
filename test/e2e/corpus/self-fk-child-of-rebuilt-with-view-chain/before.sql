CREATE TABLE categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories(id) ON DELETE CASCADE, name TEXT);
CREATE TABLE items (id INTEGER PRIMARY KEY, category_id INTEGER REFERENCES categories(id) ON DELETE CASCADE, name TEXT);
CREATE VIEW category_items AS SELECT c.name AS category, i.name AS item FROM categories c JOIN items i ON i.category_id = c.id;
CREATE VIEW category_counts AS SELECT category, count(*) AS n FROM category_items GROUP BY category;
CREATE TRIGGER categories_del BEFORE DELETE ON categories BEGIN SELECT RAISE(ABORT, 'no') WHERE EXISTS (SELECT 1 FROM items WHERE category_id = OLD.id); END;
