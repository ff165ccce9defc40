INSERT INTO docs (title, body) VALUES ('hello', 'world'), ('sqlite', 'rebuilds');
