INSERT INTO users (email, name, deleted_at, score, data) VALUES ('a@x', 'Ann', NULL, 5, '{"kind":"x"}'), ('b@x', 'bob', '2024-01-01', 3, NULL), (NULL, 'Cy', NULL, NULL, '{}');
