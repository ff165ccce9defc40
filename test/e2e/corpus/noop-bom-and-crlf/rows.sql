INSERT INTO notes (title, body) VALUES (' a ', 'x');
