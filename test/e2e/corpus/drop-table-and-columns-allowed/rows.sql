INSERT INTO accounts (email, legacy_code, old_flag) VALUES ('a@x', 'L1', 1), ('b@x', NULL, 0);
INSERT INTO legacy_sessions (account_id, token) VALUES (1, 't1'), (2, 't2');
