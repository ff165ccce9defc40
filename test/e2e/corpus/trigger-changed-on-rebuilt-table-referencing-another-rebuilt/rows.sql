INSERT INTO a (v) VALUES ('x'), ('y');
