INSERT INTO settings (theme, size) VALUES ('light', 10), ('blue', 3); INSERT INTO settings DEFAULT VALUES;
