INSERT INTO t (name) VALUES ('p'), ('q');
