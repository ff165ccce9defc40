INSERT INTO t (code, name) VALUES ('a', 'x'), ('b', 'y'), (NULL, 'z');
