CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);
CREATE TABLE order_log (id INTEGER PRIMARY KEY, order_id INTEGER, total INTEGER);
CREATE TRIGGER orders_log AFTER INSERT ON orders BEGIN INSERT INTO order_log (order_id, total) VALUES (NEW.id, NEW.total); END;
