INSERT INTO parents VALUES (1); INSERT INTO t (name, legacy, legacy_parent) VALUES ('a', 'l1', 1), ('b', NULL, NULL);
