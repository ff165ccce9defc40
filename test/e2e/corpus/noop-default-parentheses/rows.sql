INSERT INTO t (a, b, e) VALUES (1, 'y', 2);
