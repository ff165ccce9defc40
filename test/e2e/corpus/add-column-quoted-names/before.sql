CREATE TABLE "my table" ("my id" INTEGER PRIMARY KEY, "väl" TEXT);
