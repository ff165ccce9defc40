INSERT INTO "Café" ("Naïve Name", "prix€") VALUES ('Crème', 2.5), ('Thé', 1.0);
INSERT INTO "Commandes" ("caféId") VALUES (1), (1), (2);
