CREATE TABLE people (id INTEGER PRIMARY KEY, first TEXT, last TEXT, full_name TEXT GENERATED ALWAYS AS (first || ' ' || last) VIRTUAL, initials TEXT AS (substr(first, 1, 1)) STORED);
