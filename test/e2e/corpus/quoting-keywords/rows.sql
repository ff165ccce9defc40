INSERT INTO "order" ("group", "select", "from", "where") VALUES ('g1', 1, 'f', NULL), ('g2', 2, NULL, 'w');
