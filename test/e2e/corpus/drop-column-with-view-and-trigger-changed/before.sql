CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, legacy_score INTEGER);
CREATE INDEX posts_score ON posts(legacy_score);
CREATE VIEW ranked AS SELECT id, title, legacy_score FROM posts ORDER BY legacy_score;
CREATE TRIGGER posts_score AFTER UPDATE OF legacy_score ON posts BEGIN SELECT 1; END;
