INSERT INTO memberships VALUES (1, 10, 'admin'), (2, 10, 'member'), (3, 11, NULL);
