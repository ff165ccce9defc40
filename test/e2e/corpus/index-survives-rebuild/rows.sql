INSERT INTO t (a, b, c) VALUES ('x', 'p', 1), ('y', 'p', 2);
