CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);
CREATE VIEW order_stats AS SELECT count(*) AS n, sum(total) AS total FROM orders;
