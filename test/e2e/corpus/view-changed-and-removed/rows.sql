INSERT INTO t (v) VALUES (1), (2), (4);
