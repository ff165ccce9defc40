INSERT INTO lines (qty, price) VALUES (2, 50), (3, 7);
