CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT, active INTEGER DEFAULT 1);
CREATE VIEW active_accounts AS SELECT id, email FROM accounts WHERE active = 1;
CREATE TRIGGER active_accounts_insert INSTEAD OF INSERT ON active_accounts BEGIN INSERT INTO accounts (email, active) VALUES (NEW.email, 1); END;
