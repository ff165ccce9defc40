INSERT INTO tickets (id, title) VALUES (1, 'a'), (7, 'b'), (40, 'c');
