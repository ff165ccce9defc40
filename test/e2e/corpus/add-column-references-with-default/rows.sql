INSERT INTO plans VALUES (1, 'free'), (2, 'pro'); INSERT INTO users (email) VALUES ('a'), ('b');
