INSERT INTO currencies VALUES ('EUR', 'euro'), ('USD', 'dollar');
INSERT INTO prices (currency, amount) VALUES ('EUR', 1), ('EUR', 2), ('USD', 3);
