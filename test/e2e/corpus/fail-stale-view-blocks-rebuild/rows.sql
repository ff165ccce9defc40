INSERT INTO accounts (email) VALUES ('a'), ('b'); DROP TABLE scratch;
