CREATE TABLE tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open', assignee TEXT);
CREATE TABLE sqlite_sequence(name,seq);
CREATE INDEX tickets_status ON tickets(status);
CREATE TABLE sqlite_stat1(tbl,idx,stat);
CREATE VIEW open_tickets AS SELECT id, title FROM tickets WHERE status = 'open'
/* open_tickets(id,title) */;
