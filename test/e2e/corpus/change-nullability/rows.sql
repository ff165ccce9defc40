INSERT INTO accounts (email, nickname) VALUES ('a@x', 'a'), ('b@x', 'b');
