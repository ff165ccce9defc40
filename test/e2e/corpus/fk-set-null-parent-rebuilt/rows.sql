INSERT INTO teams VALUES (1, 'red'), (2, 'blue');
INSERT INTO players (team_id, name) VALUES (1, 'a'), (2, 'b'), (2, 'c');
