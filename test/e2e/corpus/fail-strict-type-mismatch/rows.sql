INSERT INTO m (n) VALUES (1), ('not a number');
