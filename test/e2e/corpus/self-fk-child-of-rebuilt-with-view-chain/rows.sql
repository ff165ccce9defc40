INSERT INTO categories VALUES (1, NULL, 'root'), (2, 1, 'tools'), (3, 2, 'hammers'); INSERT INTO items (category_id, name) VALUES (3, 'claw'), (3, 'sledge'), (2, 'saw');
