INSERT INTO tickets (title, status) VALUES ('a', 'open'), ('b', 'done'); ANALYZE;
