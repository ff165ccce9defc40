INSERT INTO parents VALUES (1, 'p'); INSERT INTO kids (parent_id) VALUES (1), (1);
