INSERT INTO accounts (email, active) VALUES ('a', 1), ('b', 0);
