INSERT INTO tags (label, color) VALUES ('red', 'r'), ('blue', 'b'), ('plain', NULL);
