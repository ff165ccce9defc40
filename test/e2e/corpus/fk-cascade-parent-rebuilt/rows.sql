INSERT INTO accounts (id, email) VALUES (1, 'a@x'), (2, 'b@x');
INSERT INTO portfolios (id, account_id, name) VALUES (10, 1, 'main'), (11, 1, 'side'), (20, 2, 'main');
INSERT INTO positions (portfolio_id, symbol) VALUES (10, 'AAPL'), (10, 'MSFT'), (11, 'TSLA'), (20, 'NVDA');
