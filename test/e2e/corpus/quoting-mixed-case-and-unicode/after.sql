CREATE TABLE "Café" ("Id" INTEGER PRIMARY KEY, "Naïve Name" TEXT NOT NULL, "prix€" REAL CHECK ("prix€" >= 0), "Émoji 🎉" TEXT);
CREATE TABLE "Commandes" (id INTEGER PRIMARY KEY, "caféId" INTEGER REFERENCES "Café"("Id") ON DELETE CASCADE);
CREATE INDEX "Café_Nom" ON "Café"("Naïve Name");
CREATE VIEW "Vue Café" AS SELECT "Naïve Name", "prix€" FROM "Café";
