CREATE TABLE "order" ("group" TEXT, "select" INTEGER, "from" TEXT, "where" TEXT);
CREATE INDEX "index" ON "order"("group", "select");
