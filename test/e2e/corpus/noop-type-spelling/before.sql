CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(255), price DECIMAL(10, 2), flag boolean);
