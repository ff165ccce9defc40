CREATE TABLE lines (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL, price INTEGER, total INTEGER AS (qty * price) STORED, label TEXT AS ('x' || qty) VIRTUAL, note TEXT DEFAULT '');
