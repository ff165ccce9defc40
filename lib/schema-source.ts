/**
 * A schema written as SQL — a `<semver>.sql` version or a `--schema` file — with what TypeScript
 * versions declare as fields, written as annotations in `--` comments:
 *
 *   CREATE TABLE customers (            -- @renamed from=accounts
 *     mail TEXT NOT NULL,               -- @renamed from=email
 *   -- @allow-drop column customers.legacy      (also: table, index, view, trigger <name>)
 *   -- @data
 *   UPDATE customers SET tier = 'gold' WHERE mail LIKE '%@vip';   (everything below is data steps)
 *
 * Every annotation is checked: an unknown one, one in the wrong place, or one naming something
 * that does not exist is an error with its line, never silence.
 *
 * The jobs live in lib/schema-source/: reading annotations (annotations.ts), what they declare
 * (declarations.ts), checking declarations (checks.ts), data steps (data-steps.ts) and loading a
 * source or a `--schema` file (load.ts).
 */
export type { Declaration, DropKind } from './schema-source/declarations.js';
export { declared, declarationsOf } from './schema-source/declarations.js';
export { checkAgainstPrevious, checkDeclarations, planOptionsAgainst } from './schema-source/checks.js';
export { checkDataStep } from './schema-source/data-steps.js';
export { loadSchemaFile, loadSchemaSource, type SchemaSource } from './schema-source/load.js';
