CREATE TABLE "order items" ("item id" INTEGER PRIMARY KEY, "say ""hi""" TEXT NOT NULL, [weird name] TEXT, "new col" TEXT DEFAULT 'x y');
CREATE INDEX "idx on ""items""" ON "order items"("say ""hi""");
CREATE VIEW "items view" AS SELECT "item id", "say ""hi""" FROM "order items";
