CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT, deleted_at TEXT, score INTEGER, data TEXT);
CREATE UNIQUE INDEX users_email ON users(email);
CREATE INDEX users_active ON users(name) WHERE deleted_at IS NULL;
CREATE INDEX users_lower_name ON users(lower(name));
CREATE INDEX users_score_desc ON users(score DESC);
CREATE INDEX users_name_nocase ON users(name COLLATE NOCASE);
CREATE INDEX users_name_score ON users(name, score DESC, id);
CREATE INDEX users_json ON users(json_extract(data, '$.kind')) WHERE data IS NOT NULL;
