INSERT INTO products VALUES ('acme', 'a1', 'anvil'), ('acme', 'r2', 'rocket'); INSERT INTO stock (vendor, sku, qty) VALUES ('acme', 'a1', 3), ('acme', 'r2', 1), ('acme', 'r2', 9);
