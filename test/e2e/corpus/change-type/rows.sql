INSERT INTO readings (sensor, value) VALUES ('a', '1.5'), ('b', '20'), ('c', 'n/a'), ('d', NULL);
