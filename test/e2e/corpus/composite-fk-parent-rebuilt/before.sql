CREATE TABLE products (vendor TEXT NOT NULL, sku TEXT NOT NULL, name TEXT, UNIQUE (vendor, sku));
CREATE TABLE stock (id INTEGER PRIMARY KEY, vendor TEXT, sku TEXT, qty INTEGER, FOREIGN KEY (vendor, sku) REFERENCES products(vendor, sku) ON DELETE CASCADE ON UPDATE CASCADE);
