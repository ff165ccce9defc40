CREATE TABLE scores (id INTEGER PRIMARY KEY, player TEXT CHECK (length(player) > 0), points INTEGER CHECK (points BETWEEN 0 AND 1000), CHECK (player <> 'nobody'));
