INSERT INTO products (name) VALUES ('pen'), ('ebook');
