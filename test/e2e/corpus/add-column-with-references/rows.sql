INSERT INTO categories VALUES (1, 'tools'), (2, 'toys');
INSERT INTO products VALUES (1, 'hammer'), (2, 'yo-yo');
