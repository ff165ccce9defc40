CREATE TABLE tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, status TEXT);
CREATE TABLE sqlite_sequence(name,seq);
CREATE INDEX tickets_status ON tickets(status);
CREATE VIEW open_tickets AS SELECT id, title FROM tickets WHERE status = 'open'
/* open_tickets(id,title) */;
