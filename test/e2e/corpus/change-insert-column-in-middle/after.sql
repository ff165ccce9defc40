CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, company TEXT DEFAULT 'none', email TEXT);
