CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT, deleted_at TEXT, score INTEGER, data TEXT);
