CREATE TABLE "my table" ("my id" INTEGER PRIMARY KEY, "väl" TEXT, "new ""quoted"" col" TEXT DEFAULT 'a b', [select] INTEGER, `Größe` REAL);
