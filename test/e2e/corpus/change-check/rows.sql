INSERT INTO scores (player, points) VALUES ('ann', 10), ('bob', 999), ('cy', 0);
