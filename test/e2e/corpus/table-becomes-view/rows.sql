INSERT INTO orders (total) VALUES (1), (2); INSERT INTO order_stats VALUES (2, 3);
