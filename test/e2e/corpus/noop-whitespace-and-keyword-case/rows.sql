INSERT INTO accounts (email) VALUES ('A@X'), ('b@y');
