CREATE TABLE currencies (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE prices (id INTEGER PRIMARY KEY, currency TEXT REFERENCES currencies(code), amount INTEGER);
