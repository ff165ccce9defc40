/** The two versions the /health stall bench and the off-loop drain test migrate between. */
export const ITEMS_V1 = `-- description: items
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 0);
CREATE INDEX items_name ON items (name);
`;
/** A CHECK on an existing column: SQLite cannot ALTER that in, so the table is rebuilt. */
export const ITEMS_V2 = `-- description: qty checked
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 0 CHECK (qty >= 0));
CREATE INDEX items_name ON items (name);
`;
