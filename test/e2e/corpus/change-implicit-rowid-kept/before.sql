CREATE TABLE docs (title TEXT, body TEXT);
CREATE TABLE refs (doc_rowid INTEGER, note TEXT);
