INSERT INTO parents VALUES (1, 'p1'), (2, 'p2');
INSERT INTO kids (parent_id) VALUES (1), (1), (2);
