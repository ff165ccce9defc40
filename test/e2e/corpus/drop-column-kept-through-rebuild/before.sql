CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, body TEXT, old_score INTEGER DEFAULT 0 CHECK (old_score >= 0), legacy TEXT COLLATE NOCASE);
CREATE INDEX posts_legacy ON posts(legacy);
