INSERT INTO people (first, last) VALUES ('Ada', 'Lovelace'), ('Cher', NULL);
