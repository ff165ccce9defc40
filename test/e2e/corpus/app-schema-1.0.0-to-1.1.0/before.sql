-- the application's built-in schema 1.0.0, rendered
CREATE TABLE "accounts" (
  "id" INTEGER PRIMARY KEY NOT NULL,
  "email" TEXT NOT NULL UNIQUE COLLATE NOCASE,
  "display_name" TEXT,
  "created_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  "updated_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TRIGGER "trg_accounts_updated_at" AFTER UPDATE ON "accounts" FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
  UPDATE "accounts" SET updated_at = (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE id = NEW.id;
END;

CREATE TABLE "portfolios" (
  "id" INTEGER PRIMARY KEY NOT NULL,
  "account_id" INTEGER NOT NULL REFERENCES "accounts"("id") ON DELETE CASCADE,
  "name" TEXT NOT NULL,
  "currency" TEXT NOT NULL DEFAULT 'USD',
  "created_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  "updated_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX "idx_portfolios_account_id" ON "portfolios" ("account_id");

CREATE TRIGGER "trg_portfolios_updated_at" AFTER UPDATE ON "portfolios" FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
  UPDATE "portfolios" SET updated_at = (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE id = NEW.id;
END;

CREATE TABLE "positions" (
  "id" INTEGER PRIMARY KEY NOT NULL,
  "portfolio_id" INTEGER NOT NULL REFERENCES "portfolios"("id"),
  "symbol" TEXT NOT NULL,
  "quantity" REAL NOT NULL DEFAULT 0,
  "average_cost" REAL NOT NULL DEFAULT 0,
  "created_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  "updated_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX "idx_positions_portfolio_symbol" ON "positions" ("portfolio_id", "symbol");

CREATE TRIGGER "trg_positions_updated_at" AFTER UPDATE ON "positions" FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
  UPDATE "positions" SET updated_at = (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE id = NEW.id;
END;

CREATE TABLE "trades" (
  "id" INTEGER PRIMARY KEY NOT NULL,
  "portfolio_id" INTEGER NOT NULL REFERENCES "portfolios"("id") ON DELETE CASCADE,
  "symbol" TEXT NOT NULL,
  "side" TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  "quantity" REAL NOT NULL CHECK (quantity > 0),
  "price" REAL NOT NULL CHECK (price >= 0),
  "executed_at" TEXT NOT NULL,
  "created_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX "idx_trades_portfolio_id" ON "trades" ("portfolio_id");

CREATE INDEX "idx_trades_symbol" ON "trades" ("symbol");

CREATE TABLE "watchlists" (
  "id" INTEGER PRIMARY KEY NOT NULL,
  "account_id" INTEGER NOT NULL REFERENCES "accounts"("id") ON DELETE CASCADE,
  "name" TEXT NOT NULL,
  "symbols" TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(symbols)),
  "created_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  "updated_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX "idx_watchlists_account_id" ON "watchlists" ("account_id");

CREATE TRIGGER "trg_watchlists_updated_at" AFTER UPDATE ON "watchlists" FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
  UPDATE "watchlists" SET updated_at = (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE id = NEW.id;
END;
