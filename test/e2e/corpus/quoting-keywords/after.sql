CREATE TABLE "order" ("group" TEXT NOT NULL, "select" INTEGER, "from" TEXT, "where" TEXT, "default" TEXT DEFAULT 'd', "table" TEXT UNIQUE);
CREATE INDEX "index" ON "order"("group", "select");
CREATE TRIGGER "trigger" AFTER INSERT ON "order" BEGIN UPDATE "order" SET "where" = 'here' WHERE rowid = NEW.rowid; END;
CREATE VIEW "view" AS SELECT "group", "select" FROM "order";
