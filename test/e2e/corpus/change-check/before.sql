CREATE TABLE scores (id INTEGER PRIMARY KEY, player TEXT, points INTEGER CHECK (points >= 0));
