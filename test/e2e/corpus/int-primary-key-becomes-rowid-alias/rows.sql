INSERT INTO users VALUES (10, 'a'), (20, 'b'); INSERT INTO posts (user_id, title) VALUES (10, 'x'), (20, 'y'), (20, 'z');
