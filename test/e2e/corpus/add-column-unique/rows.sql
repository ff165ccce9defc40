INSERT INTO users (name) VALUES ('a'), ('b'), ('c');
