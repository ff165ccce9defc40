INSERT INTO "it's" ("o'clock", legacy) VALUES ('one', 'l1'), ('two', NULL);
