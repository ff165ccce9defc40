INSERT INTO authors VALUES (1, 'Le Guin'), (2, 'Pratchett');
INSERT INTO books (title, author_id) VALUES ('Earthsea', 1), ('Mort', 2), ('Anonymous', NULL);
