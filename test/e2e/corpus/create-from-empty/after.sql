CREATE TABLE trades (
  id INTEGER PRIMARY KEY,
  portfolio_id INTEGER NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
  symbol TEXT NOT NULL COLLATE NOCASE,
  qty REAL NOT NULL CHECK (qty <> 0),
  placed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE portfolios (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  name TEXT NOT NULL,
  UNIQUE (account_id, name)
);
CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, created_at TEXT DEFAULT (datetime('now'))) STRICT;
CREATE INDEX trades_symbol ON trades(symbol, placed_at DESC);
CREATE VIEW portfolio_sizes AS SELECT p.id, p.name, count(t.id) AS trades FROM portfolios p LEFT JOIN trades t ON t.portfolio_id = p.id GROUP BY p.id;
CREATE TRIGGER trades_no_zero BEFORE UPDATE OF qty ON trades WHEN NEW.qty = 0 BEGIN SELECT RAISE(ABORT, 'qty must not be 0'); END;
