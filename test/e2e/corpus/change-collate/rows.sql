INSERT INTO words (word) VALUES ('Apple'), ('banana'), ('Cherry');
