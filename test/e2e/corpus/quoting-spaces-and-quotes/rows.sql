INSERT INTO "order items" ("say ""hi""", [weird name]) VALUES ('hello', 'w'), ('bye', NULL);
