INSERT INTO metrics (name, value, raw, extra) VALUES ('cpu', 0.5, x'00ff', 'x'), ('mem', 12, NULL, 42);
