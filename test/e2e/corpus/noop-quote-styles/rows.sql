INSERT INTO "Order" ("group", note, size) VALUES ('g', 'n', 1);
