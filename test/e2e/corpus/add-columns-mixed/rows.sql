INSERT INTO orders (total) VALUES (10), (20), (30), (NULL);
