INSERT INTO accounts VALUES (1, 'a'); INSERT INTO old_parents VALUES (1, 1); INSERT INTO old_children VALUES (1, 1), (2, 1);
