PRAGMA foreign_keys = OFF;
INSERT INTO departments VALUES (1, 'eng', 100), (2, 'ops', 200);
INSERT INTO employees VALUES (100, 'ann', 1), (101, 'bob', 1), (200, 'cy', 2);
