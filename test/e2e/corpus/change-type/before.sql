CREATE TABLE readings (id INTEGER PRIMARY KEY, sensor TEXT, value TEXT);
