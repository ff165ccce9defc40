INSERT INTO folders VALUES (1, NULL, 'root'), (2, 1, 'docs'), (3, 2, 'work'), (4, 1, 'music');
