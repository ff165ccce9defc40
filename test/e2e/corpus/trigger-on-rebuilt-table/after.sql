CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, updated_at TEXT);
CREATE TRIGGER accounts_updated AFTER UPDATE ON accounts FOR EACH ROW BEGIN UPDATE accounts SET updated_at = datetime('now') WHERE id = NEW.id; END;
