INSERT INTO m (code, amount) VALUES ('Ab', '50'), ('cD', '500');
