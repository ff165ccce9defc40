CREATE TABLE "it's" (
  id INTEGER PRIMARY KEY, -- the key, (with a comma) and a paren
  "o'clock" TEXT NOT NULL /* when, exactly */ DEFAULT 'noon',
  added TEXT -- new (at the end)
);
CREATE TABLE 'child''s' ("it's id" INTEGER REFERENCES "it's"(id) ON DELETE CASCADE, note TEXT);
CREATE INDEX "it's o'clock" ON "it's"("o'clock");
CREATE TRIGGER "it's trigger" AFTER INSERT ON "it's" BEGIN INSERT INTO "child's" ("it's id", note) VALUES (NEW.id, 'it''s new'); END;
