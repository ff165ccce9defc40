INSERT INTO scores (points) VALUES (5), (-1); INSERT INTO notes (body) VALUES ('n');
