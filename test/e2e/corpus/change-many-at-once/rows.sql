INSERT INTO ledger (account, amount, memo, ts) VALUES ('cash', '100', 'x', '2024-01-01'), ('Bank', '-20', NULL, '2024-01-02');
