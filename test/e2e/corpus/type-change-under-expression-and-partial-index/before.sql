CREATE TABLE m (id INTEGER PRIMARY KEY, code TEXT, amount TEXT);
CREATE INDEX m_code_lower ON m(lower(code));
CREATE INDEX m_big ON m(amount) WHERE amount > 100;
