CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, created_at TEXT DEFAULT CURRENT_TIMESTAMP, CHECK (email LIKE '%@%'));
CREATE INDEX accounts_created ON accounts(created_at DESC) WHERE created_at IS NOT NULL;
CREATE VIEW recent AS SELECT id, email FROM accounts WHERE created_at > '2024-01-01';
CREATE TRIGGER accounts_lower AFTER INSERT ON accounts BEGIN UPDATE accounts SET email = lower(NEW.email) WHERE id = NEW.id; END;
