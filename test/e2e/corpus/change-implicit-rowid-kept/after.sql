CREATE TABLE docs (title TEXT NOT NULL, body TEXT, words INTEGER DEFAULT 0);
CREATE TABLE refs (doc_rowid INTEGER, note TEXT);
