CREATE TABLE "order items" ("item id" INTEGER PRIMARY KEY, "say ""hi""" TEXT, [weird name] TEXT);
CREATE INDEX "idx on ""items""" ON "order items"("say ""hi""");
