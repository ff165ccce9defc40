INSERT INTO lines (qty, price, note) VALUES (2, 5, NULL), (3, 4, 'n');
