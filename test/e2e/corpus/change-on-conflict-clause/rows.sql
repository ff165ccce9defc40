INSERT INTO tags (label) VALUES ('a'), ('b');
