CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, body TEXT, author_id INTEGER REFERENCES posts(id), old_score INTEGER UNIQUE);
