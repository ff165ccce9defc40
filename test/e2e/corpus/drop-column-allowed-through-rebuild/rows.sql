INSERT INTO posts (title, body, author_id, old_score) VALUES ('a', 'x', NULL, 1), ('b', NULL, 1, 2);
