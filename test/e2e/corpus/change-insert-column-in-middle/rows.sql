INSERT INTO contacts (name, email) VALUES ('ann', 'a@x'), ('bob', NULL);
