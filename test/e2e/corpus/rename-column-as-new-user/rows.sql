INSERT INTO people (fullname) VALUES ('a'), ('b');
