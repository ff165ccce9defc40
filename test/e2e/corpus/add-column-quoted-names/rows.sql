INSERT INTO "my table" ("väl") VALUES ('x'), ('y');
