INSERT INTO authors VALUES (1, 'a'); INSERT INTO books (author_id) VALUES (1), (99);
