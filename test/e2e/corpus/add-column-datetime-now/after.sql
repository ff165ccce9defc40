CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT NOT NULL, seen_at TEXT DEFAULT (datetime('now')), day TEXT DEFAULT (date('now', 'start of month')));
