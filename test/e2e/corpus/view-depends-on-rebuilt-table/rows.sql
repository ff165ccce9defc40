INSERT INTO sales (region, amount) VALUES ('n', 5), ('n', 8), ('s', 3);
