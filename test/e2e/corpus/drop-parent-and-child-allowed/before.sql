CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT);
CREATE TABLE old_parents (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE);
CREATE TABLE old_children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES old_parents(id) ON DELETE CASCADE);
CREATE VIEW old_view AS SELECT c.id FROM old_children c JOIN old_parents p ON p.id = c.parent_id;
