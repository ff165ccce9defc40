INSERT INTO t (a, b, c) VALUES ('x', 1, 'p'), ('x', 20, 'q'), ('y', -1, 'p');
