INSERT INTO parents VALUES (1); INSERT INTO t VALUES ('x', 'a', 'b', 'c', 1, 1);
