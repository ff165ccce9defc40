INSERT INTO plans VALUES (1, 'free'); INSERT INTO users (email) VALUES ('a');
