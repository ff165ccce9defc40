INSERT INTO t (name, price, flag) VALUES ('a', 1.25, 1);
