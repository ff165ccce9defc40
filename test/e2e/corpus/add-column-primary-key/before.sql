CREATE TABLE tags (label TEXT NOT NULL, color TEXT DEFAULT 'grey');
