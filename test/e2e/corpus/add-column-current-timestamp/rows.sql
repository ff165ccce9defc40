INSERT INTO events (name) VALUES ('signup'), ('login');
