INSERT INTO events VALUES ('a', 1, 'x'), ('a', 2, 'y'), ('b', 1, 'z');
