INSERT INTO logs (line) VALUES ('a'), ('b');
