CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, title TEXT, rating REAL, attachment BLOB);
