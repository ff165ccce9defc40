CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, nick TEXT);
CREATE UNIQUE INDEX users_email ON users(email);
