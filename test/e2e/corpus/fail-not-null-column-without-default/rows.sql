INSERT INTO people (name) VALUES ('a');
