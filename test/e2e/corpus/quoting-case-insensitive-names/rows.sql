INSERT INTO Users (Email) VALUES ('a'), ('b');
