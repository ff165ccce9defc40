INSERT INTO currencies (code, name) VALUES ('EUR', 'euro'); INSERT INTO prices (currency, amount) VALUES ('EUR', 1);
