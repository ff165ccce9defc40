CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, legacy_code TEXT, old_flag INTEGER NOT NULL DEFAULT 0);
CREATE TABLE legacy_sessions (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE, token TEXT);
CREATE INDEX legacy_sessions_token ON legacy_sessions(token);
CREATE INDEX accounts_legacy ON accounts(legacy_code);
