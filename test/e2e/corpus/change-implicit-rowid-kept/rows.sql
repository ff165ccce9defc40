INSERT INTO docs (rowid, title, body) VALUES (5, 'a', 'x'), (9, 'b', 'y'), (100, 'c', 'z');
INSERT INTO refs VALUES (9, 'points at b');
