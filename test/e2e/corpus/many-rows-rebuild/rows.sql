WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000) INSERT INTO big (k, v, payload) SELECT 'k' || (x % 97), x, randomblob(32) FROM n;
