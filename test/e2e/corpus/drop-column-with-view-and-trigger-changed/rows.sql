INSERT INTO posts (title, legacy_score) VALUES ('a', 1), ('b', 2);
