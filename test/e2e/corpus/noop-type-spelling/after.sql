CREATE TABLE t (id integer primary key, name varchar( 255 ), price decimal(10,2), flag BOOLEAN);
