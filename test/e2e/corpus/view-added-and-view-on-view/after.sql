CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT, amount INTEGER);
CREATE VIEW top_regions AS SELECT region, total FROM region_totals WHERE total > 10;
CREATE VIEW region_totals AS SELECT region, sum(amount) AS total FROM sales GROUP BY region;
