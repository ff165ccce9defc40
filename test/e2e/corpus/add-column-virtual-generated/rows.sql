INSERT INTO people (first, last) VALUES ('Ada', 'Lovelace'), ('Alan', 'Turing');
