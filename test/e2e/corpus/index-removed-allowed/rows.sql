INSERT INTO t (a, b) VALUES ('1', '1'), ('2', '2');
