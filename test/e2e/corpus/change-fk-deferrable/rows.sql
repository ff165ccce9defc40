INSERT INTO nodes VALUES (1, NULL), (2, 1), (3, 2);
