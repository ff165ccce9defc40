INSERT INTO orders (total) VALUES (1);
