CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  body TEXT
);
CREATE INDEX notes_title ON notes(title);
CREATE TRIGGER notes_trim AFTER INSERT ON notes
BEGIN
  UPDATE notes SET title = trim(NEW.title) WHERE id = NEW.id;
END;
