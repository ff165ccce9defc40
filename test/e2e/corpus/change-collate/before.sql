CREATE TABLE words (id INTEGER PRIMARY KEY, word TEXT);
CREATE INDEX words_word ON words(word);
