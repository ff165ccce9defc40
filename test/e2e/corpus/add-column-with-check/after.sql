CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price INTEGER CHECK (price IS NULL OR price >= 0), kind TEXT NOT NULL DEFAULT 'physical' CHECK (kind IN ('physical', 'digital')));
