CREATE TABLE ledger (id INTEGER PRIMARY KEY, account TEXT, amount TEXT, memo TEXT, ts TEXT);
CREATE INDEX ledger_account ON ledger(account);
