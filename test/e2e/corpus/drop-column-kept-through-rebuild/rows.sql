INSERT INTO posts (title, body, old_score, legacy) VALUES ('a', 'x', 5, 'L'), ('b', NULL, 0, NULL);
