CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT);
CREATE VIEW ranked AS SELECT id, title FROM posts ORDER BY title;
