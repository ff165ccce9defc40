INSERT INTO tickets (title) VALUES ('a'), ('b'), ('c'), ('d'); DELETE FROM tickets WHERE id >= 3;
