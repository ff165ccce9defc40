INSERT INTO contacts (phone, name, email) VALUES ('555', 'ann', 'a@x'), (NULL, 'bob', NULL);
