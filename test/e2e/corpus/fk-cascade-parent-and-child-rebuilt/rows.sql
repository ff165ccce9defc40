INSERT INTO parents VALUES (1, 'p1'), (2, 'p2');
INSERT INTO children (parent_id, name) VALUES (1, 'c1'), (1, 'c2'), (2, 'c3');
