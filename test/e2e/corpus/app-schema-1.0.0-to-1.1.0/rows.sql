INSERT INTO accounts (id, email, display_name) VALUES (1, 'ann@example.com', 'Ann'), (2, 'BOB@example.com', NULL);
INSERT INTO portfolios (id, account_id, name, currency) VALUES (10, 1, 'main', 'USD'), (11, 1, 'euro', 'EUR'), (20, 2, 'main', 'USD');
INSERT INTO positions (portfolio_id, symbol, quantity, average_cost) VALUES (10, 'AAPL', 10, 150.5), (10, 'MSFT', 3, 300), (11, 'SAP', 7, 120), (20, 'NVDA', 1, 900);
INSERT INTO trades (portfolio_id, symbol, side, quantity, price, executed_at) VALUES
  (10, 'AAPL', 'buy', 10, 150.5, '2024-01-02T10:00:00Z'),
  (10, 'MSFT', 'buy', 3, 300, '2024-01-03T10:00:00Z'),
  (20, 'NVDA', 'buy', 2, 880, '2024-02-01T10:00:00Z'),
  (20, 'NVDA', 'sell', 1, 950, '2024-03-01T10:00:00Z');
INSERT INTO watchlists (account_id, name, symbols) VALUES (1, 'tech', '["AAPL","MSFT"]'), (2, 'empty', '[]');
