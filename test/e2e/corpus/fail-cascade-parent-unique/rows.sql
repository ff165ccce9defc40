INSERT INTO accounts (email) VALUES ('a'), ('a'); INSERT INTO portfolios (account_id) VALUES (1), (2);
