CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT, amount INTEGER);
CREATE VIEW region_totals AS SELECT region, sum(amount) AS total FROM sales GROUP BY region;
CREATE VIEW big_regions AS SELECT region FROM region_totals WHERE total > 10;
CREATE VIEW unrelated AS SELECT 1 AS one;
