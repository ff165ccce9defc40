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
 */
import { readFile } from 'node:fs/promises';
import type { DropAllowance, PlanOptions } from './plan/planner.js';
import type { DatabaseSchema, Table } from './model.js';
import { findByName, foldName } from './model.js';
import type { Renames } from './plan/renames.js';
import { decodeSchemaText, DesiredSchemaError, loadDesiredStatements, readScript, schemaProblem } from './desired.js';
import type { Comment, Script, Statement } from './sql/statements.js';
import { closingParen, identifierOf, isWord, tokenize, type Token } from './sql/tokens.js';

export type DropKind = 'table' | 'index' | 'view' | 'trigger';

/** One thing a version declares besides its schema, with where it was written. */
export type Declaration =
  | {
      readonly kind: 'rename_table';
      readonly table: string;
      readonly from: string;
      readonly line: number | null;
      readonly label: string;
    }
  | {
      readonly kind: 'rename_column';
      readonly table: string;
      readonly column: string;
      readonly from: string;
      readonly line: number | null;
      readonly label: string;
    }
  | {
      readonly kind: 'allow_drop';
      readonly object: DropKind;
      readonly name: string;
      readonly line: number | null;
      readonly label: string;
    }
  | {
      readonly kind: 'allow_drop_column';
      readonly table: string;
      readonly column: string;
      readonly line: number | null;
      readonly label: string;
    };

export interface SchemaSource {
  /** The schema part as written (without the data steps). */
  readonly sql: string;
  readonly desired: DatabaseSchema;
  readonly renames: Renames;
  readonly allowDrops: DropAllowance;
  /** SQL run once, in the apply's transaction, when a database crosses into the version. */
  readonly dataSteps: readonly string[];
  /** The renames and allowances above, each with its line, for checks that name it. */
  readonly declarations: readonly Declaration[];
  /** Line of the `-- @data` marker, when there is one. */
  readonly dataLine: number | null;
  readonly origin: string | undefined;
}

const DROP_KINDS: readonly string[] = ['table', 'column', 'index', 'view', 'trigger'];
const TABLE_CONSTRAINT_STARTS = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'];
/** Statements a data step may be: they change rows, never the schema. */
const DATA_STATEMENTS = ['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'WITH'];

interface RenameTarget {
  readonly table: string;
  /** null for the table itself. */
  readonly column: string | null;
  readonly virtual: boolean;
}

/** Which tables and columns start on which line: `@renamed` applies to the one on its line. */
function renameTargets(
  statements: readonly Statement[],
  lineAt: (offset: number) => number,
): Map<number, RenameTarget[]> {
  const byLine = new Map<number, RenameTarget[]>();
  const add = (line: number, target: RenameTarget): void => {
    const list = byLine.get(line) ?? [];
    if (!list.some((known) => known.table === target.table && known.column === target.column)) list.push(target);
    byLine.set(line, list);
  };
  for (const { tokens } of statements) {
    let i = 1;
    if (!isWord(tokens[0], 'CREATE')) continue;
    const virtual = isWord(tokens[i], 'VIRTUAL');
    if (virtual) i++;
    if (!isWord(tokens[i++], 'TABLE')) continue;
    if (isWord(tokens[i], 'IF')) i += 3;
    if (tokens[i + 1]?.text === '.') i += 2;
    const nameToken = tokens[i];
    const table = identifierOf(nameToken);
    if (nameToken === undefined || table === undefined) continue;
    add(lineAt((tokens[0] as Token).start), { table, column: null, virtual });
    add(lineAt(nameToken.start), { table, column: null, virtual });
    if (virtual || tokens[i + 1]?.text !== '(') continue;
    const close = closingParen(tokens, i + 1);
    let depth = 0;
    let partStart = true;
    for (let k = i + 2; k < close; k++) {
      const token = tokens[k] as Token;
      if (partStart) {
        partStart = false;
        if (token.kind === 'word' && isWord(token, ...TABLE_CONSTRAINT_STARTS)) break;
        const column = identifierOf(token);
        if (column !== undefined) add(lineAt(token.start), { table, column, virtual });
      }
      if (token.text === '(') depth++;
      else if (token.text === ')') depth--;
      else if (token.text === ',' && depth === 0) partStart = true;
    }
  }
  return byLine;
}

/** Reads `name` or `table.name` (any quoting) from tokens; the rest must be empty. */
function readName(tokens: readonly Token[], dotted: boolean): string[] | null {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    const token = tokens[i++];
    const name = token?.kind === 'number' ? undefined : identifierOf(token);
    if (name === undefined) return null;
    parts.push(name);
    if (!dotted || tokens[i]?.text !== '.') break;
    i++;
  }
  return i === tokens.length && (!dotted || parts.length === 2) ? parts : null;
}

interface Annotations {
  readonly declarations: Declaration[];
  readonly dataMarker: Comment | null;
}

function insideStatement(comment: Comment, statements: readonly Statement[]): boolean {
  return statements.some((statement) => comment.start > statement.start && comment.start < statement.end);
}

/** Reads every `-- @…` comment; anything malformed or misplaced is an error naming its line. */
function readAnnotations(script: Script, origin: string | undefined): Annotations {
  const declarations: Declaration[] = [];
  let dataMarker: Comment | null = null;
  const targets = renameTargets(script.statements, script.lineAt);
  for (const comment of script.comments) {
    const body = comment.body.trim();
    if (!body.startsWith('@')) continue;
    const fail = (problem: string): DesiredSchemaError =>
      schemaProblem(origin, comment.line, `${body.split(/\s/)[0] ?? body}: ${problem}`);
    if (comment.kind === 'block')
      throw fail('annotations are line comments (-- @renamed …, -- @allow-drop …, -- @data)');
    const match = /^@([A-Za-z][\w-]*)\s*(.*)$/s.exec(body);
    const name = match?.[1] ?? '';
    const args = match?.[2] ?? '';
    if (dataMarker !== null && comment.start > dataMarker.start) {
      throw fail(`annotations belong before the -- @data marker on line ${dataMarker.line}`);
    }
    let argTokens: readonly Token[];
    try {
      argTokens = tokenize(args);
    } catch {
      throw fail(`cannot read "${args}"`);
    }
    if (name === 'data') {
      if (args !== '') throw fail('takes nothing after it; the data steps follow on the next lines');
      if (!comment.ownLine || insideStatement(comment, script.statements))
        throw fail('must stand on a line of its own between statements');
      dataMarker = comment;
    } else if (name === 'renamed') {
      const from =
        argTokens.length >= 3 && isWord(argTokens[0], 'from') && argTokens[1]?.text === '='
          ? readName(argTokens.slice(2), false)
          : null;
      if (from === null)
        throw fail('expected from=<old name> (quote a name that is not a plain word: from="old name")');
      const here = targets.get(comment.line) ?? [];
      if (here.length === 0) {
        throw fail(
          'must end the line of the CREATE TABLE or of the column it renames (only tables and columns are renamed)',
        );
      }
      if (here.length > 1) {
        throw fail(
          `line ${comment.line} holds ${here.map((target) => (target.column === null ? `table ${target.table}` : `column ${target.table}.${target.column}`)).join(' and ')}; ` +
            'put the renamed one on a line of its own',
        );
      }
      const target = here[0] as RenameTarget;
      if (target.column === null) {
        declarations.push({
          kind: 'rename_table',
          table: target.table,
          from: from[0] as string,
          line: comment.line,
          label: body,
        });
      } else {
        declarations.push({
          kind: 'rename_column',
          table: target.table,
          column: target.column,
          from: from[0] as string,
          line: comment.line,
          label: body,
        });
      }
    } else if (name === 'allow-drop') {
      if (!comment.ownLine || insideStatement(comment, script.statements))
        throw fail('must stand on a line of its own between statements');
      const kind = argTokens[0]?.kind === 'word' ? argTokens[0].text.toLowerCase() : '';
      if (!DROP_KINDS.includes(kind))
        throw fail(`expected one of ${DROP_KINDS.join(', ')} and a name, e.g. -- @allow-drop column users.legacy`);
      const parts = readName(argTokens.slice(1), kind === 'column');
      if (parts === null) {
        throw fail(
          kind === 'column'
            ? 'expected <table>.<column> (quote names that are not plain words)'
            : `expected the ${kind}'s name (quote a name that is not a plain word)`,
        );
      }
      declarations.push(
        kind === 'column'
          ? {
              kind: 'allow_drop_column',
              table: parts[0] as string,
              column: parts[1] as string,
              line: comment.line,
              label: body,
            }
          : { kind: 'allow_drop', object: kind as DropKind, name: parts[0] as string, line: comment.line, label: body },
      );
    } else {
      throw fail(
        'unknown annotation; the known ones are -- @renamed from=<old>, -- @allow-drop <kind> <name> and -- @data',
      );
    }
  }
  return { declarations, dataMarker };
}

/** The renames and drop allowances a list of declarations makes. */
export function declared(declarations: readonly Declaration[]): { renames: Renames; allowDrops: DropAllowance } {
  const tables: Record<string, string> = {};
  const columns: Record<string, Record<string, string>> = {};
  const drops: Record<DropKind, string[]> = { table: [], index: [], view: [], trigger: [] };
  const dropColumns: Record<string, string[]> = {};
  for (const declaration of declarations) {
    if (declaration.kind === 'rename_table') tables[declaration.table] = declaration.from;
    else if (declaration.kind === 'rename_column')
      columns[declaration.table] = { ...columns[declaration.table], [declaration.column]: declaration.from };
    else if (declaration.kind === 'allow_drop') drops[declaration.object].push(declaration.name);
    else dropColumns[declaration.table] = [...(dropColumns[declaration.table] ?? []), declaration.column];
  }
  const renames: Renames = {
    ...(Object.keys(tables).length > 0 ? { tables } : {}),
    ...(Object.keys(columns).length > 0 ? { columns } : {}),
  };
  const allowDrops: DropAllowance = {
    ...(drops.table.length > 0 ? { tables: drops.table } : {}),
    ...(Object.keys(dropColumns).length > 0 ? { columns: dropColumns } : {}),
    ...(drops.index.length > 0 ? { indexes: drops.index } : {}),
    ...(drops.view.length > 0 ? { views: drops.view } : {}),
    ...(drops.trigger.length > 0 ? { triggers: drops.trigger } : {}),
  };
  return { renames, allowDrops };
}

/** The declarations a TypeScript version makes in its fields (no line; the field path instead). */
export function declarationsOf(renames: Renames, allowDrops: DropAllowance): Declaration[] {
  const out: Declaration[] = [];
  const key = JSON.stringify;
  for (const [table, from] of Object.entries(renames.tables ?? {})) {
    out.push({ kind: 'rename_table', table, from, line: null, label: `renames.tables[${key(table)}]` });
  }
  for (const [table, renamed] of Object.entries(renames.columns ?? {})) {
    for (const [column, from] of Object.entries(renamed)) {
      out.push({
        kind: 'rename_column',
        table,
        column,
        from,
        line: null,
        label: `renames.columns[${key(table)}][${key(column)}]`,
      });
    }
  }
  const lists: Array<[DropKind, readonly string[] | undefined, string]> = [
    ['table', allowDrops.tables, 'tables'],
    ['index', allowDrops.indexes, 'indexes'],
    ['view', allowDrops.views, 'views'],
    ['trigger', allowDrops.triggers, 'triggers'],
  ];
  for (const [object, names, field] of lists) {
    for (const name of names ?? [])
      out.push({ kind: 'allow_drop', object, name, line: null, label: `allowDrops.${field} ${key(name)}` });
  }
  for (const [table, names] of Object.entries(allowDrops.columns ?? {})) {
    for (const column of names)
      out.push({
        kind: 'allow_drop_column',
        table,
        column,
        line: null,
        label: `allowDrops.columns[${key(table)}] ${key(column)}`,
      });
  }
  return out;
}

const objectsOf = (schema: DatabaseSchema, kind: DropKind): ReadonlyArray<{ readonly name: string }> =>
  kind === 'table'
    ? schema.tables
    : kind === 'index'
      ? schema.indexes.filter((index) => index.origin === 'c')
      : kind === 'view'
        ? schema.views
        : schema.triggers;

function problemAt(origin: string | undefined, declaration: Declaration, problem: string): DesiredSchemaError {
  return schemaProblem(origin, declaration.line, `${declaration.label}: ${problem}`);
}

/** The name a table of this schema had before its own rename hint. */
function previousTableName(declarations: readonly Declaration[], table: string): string {
  const rename = declarations.find((d) => d.kind === 'rename_table' && foldName(d.table) === foldName(table));
  return rename?.kind === 'rename_table' ? rename.from : table;
}

/** Checks that need only the schema itself: a rename's new name exists, a dropped object does not. */
export function checkDeclarations(
  declarations: readonly Declaration[],
  desired: DatabaseSchema,
  origin: string | undefined,
): void {
  const seen = new Map<string, Declaration>();
  for (const declaration of declarations) {
    const fail = (problem: string): DesiredSchemaError => problemAt(origin, declaration, problem);
    const once = (key: string, what: string): void => {
      const earlier = seen.get(key);
      if (earlier !== undefined)
        throw fail(
          `${what} is already declared${earlier.line === null ? ` (${earlier.label})` : ` on line ${earlier.line}`}`,
        );
      seen.set(key, declaration);
    };
    switch (declaration.kind) {
      case 'rename_table': {
        if (findByName(desired.tables, declaration.table) === undefined)
          throw fail(`this schema has no table ${declaration.table}`);
        if (findByName(desired.tables, declaration.from) !== undefined)
          throw fail(`this schema still defines table ${declaration.from}`);
        once(`rt:${foldName(declaration.from)}`, `a rename from table ${declaration.from}`);
        break;
      }
      case 'rename_column': {
        const table = findByName(desired.tables, declaration.table);
        if (table === undefined || findByName(table.columns, declaration.column) === undefined) {
          throw fail(`this schema has no column ${declaration.table}.${declaration.column}`);
        }
        if (findByName(table.columns, declaration.from) !== undefined)
          throw fail(`table ${declaration.table} still has a column ${declaration.from}`);
        once(
          `rc:${foldName(declaration.table)}.${foldName(declaration.from)}`,
          `a rename from column ${declaration.table}.${declaration.from}`,
        );
        break;
      }
      case 'allow_drop': {
        if (findByName(objectsOf(desired, declaration.object), declaration.name) !== undefined) {
          throw fail(`this schema still defines ${declaration.object} ${declaration.name}`);
        }
        break;
      }
      case 'allow_drop_column': {
        const table = findByName(desired.tables, declaration.table);
        if (table !== undefined && findByName(table.columns, declaration.column) !== undefined) {
          throw fail(`this schema still defines column ${declaration.table}.${declaration.column}`);
        }
        break;
      }
    }
  }
}

/**
 * For a registry version: each rename and allowance must name what the previous version has
 * (`previous` null: this is the first version, which has nothing to rename or drop).
 */
export function checkAgainstPrevious(
  declarations: readonly Declaration[],
  previous: { readonly version: string; readonly desired: DatabaseSchema } | null,
  origin: string | undefined,
): void {
  for (const declaration of declarations) {
    const fail = (problem: string): DesiredSchemaError => problemAt(origin, declaration, problem);
    if (previous === null) throw fail('the first version has no earlier version to rename or drop from');
    const before = previous.desired;
    const at = `version ${previous.version}`;
    switch (declaration.kind) {
      case 'rename_table':
        if (findByName(before.tables, declaration.from) === undefined)
          throw fail(`${at} has no table ${declaration.from}`);
        if (findByName(before.tables, declaration.table) !== undefined)
          throw fail(`${at} already has a table ${declaration.table}`);
        break;
      case 'rename_column': {
        const tableName = previousTableName(declarations, declaration.table);
        const table = findByName(before.tables, tableName);
        if (table === undefined) throw fail(`${at} has no table ${tableName}`);
        if (findByName(table.columns, declaration.from) === undefined)
          throw fail(`${at} has no column ${tableName}.${declaration.from}`);
        if (findByName(table.columns, declaration.column) !== undefined)
          throw fail(`${at} already has a column ${tableName}.${declaration.column}`);
        break;
      }
      case 'allow_drop':
        if (findByName(objectsOf(before, declaration.object), declaration.name) === undefined)
          throw fail(`${at} has no ${declaration.object} ${declaration.name}`);
        break;
      case 'allow_drop_column': {
        const tableName = previousTableName(declarations, declaration.table);
        const table = findByName(before.tables, tableName);
        if (table === undefined || findByName(table.columns, declaration.column) === undefined) {
          throw fail(`${at} has no column ${tableName}.${declaration.column}`);
        }
        break;
      }
    }
  }
}

/**
 * For a `--schema` file applied to a database: what to plan with, after checking each rename
 * against that database. A rename already done (only the new name exists) is fine, so a re-run
 * changes nothing; a rename whose old name the database lacks, or that would collide, is an error.
 * A schema without tables is refused against a database that has any.
 */
export function planOptionsAgainst(
  source: SchemaSource,
  actual: DatabaseSchema,
): Pick<PlanOptions, 'renames' | 'allowDrops'> {
  const fail = (declaration: Declaration, problem: string): DesiredSchemaError =>
    problemAt(source.origin, declaration, problem);
  if (source.desired.tables.length === 0 && actual.tables.length > 0) {
    throw schemaProblem(
      source.origin,
      null,
      `the schema defines no tables, and the database has ${actual.tables.length}; ` +
        'refusing an empty desired schema (it would drop or orphan every table)',
    );
  }
  const tableNow = (name: string): Table | undefined => findByName(actual.tables, name);
  for (const declaration of source.declarations) {
    if (declaration.kind === 'rename_table') {
      const [from, to] = [tableNow(declaration.from), tableNow(declaration.table)];
      if (from !== undefined && to !== undefined) {
        throw fail(
          declaration,
          `the database has both table ${declaration.from} and table ${declaration.table}; drop one or remove the annotation`,
        );
      }
      if (from === undefined && to === undefined) {
        throw fail(
          declaration,
          `the database has no table ${declaration.from} to rename (nor a table ${declaration.table}); remove the annotation`,
        );
      }
    } else if (declaration.kind === 'rename_column') {
      const table = tableNow(previousTableName(source.declarations, declaration.table)) ?? tableNow(declaration.table);
      if (table === undefined) {
        throw fail(
          declaration,
          `the database has no table ${declaration.table} whose column ${declaration.from} could be renamed; remove the annotation`,
        );
      }
      const [from, to] = [findByName(table.columns, declaration.from), findByName(table.columns, declaration.column)];
      if (from !== undefined && to !== undefined) {
        throw fail(
          declaration,
          `table ${table.name} has both column ${declaration.from} and column ${declaration.column}; drop one or remove the annotation`,
        );
      }
      if (from === undefined && to === undefined) {
        throw fail(
          declaration,
          `table ${table.name} has no column ${declaration.from} to rename (nor a column ${declaration.column}); remove the annotation`,
        );
      }
    }
  }
  return { renames: source.renames, allowDrops: source.allowDrops };
}

/**
 * A TypeScript version's data step: exactly one statement that only changes rows (a driver runs
 * the first statement of a text and ignores the rest, so a second one would silently not run).
 */
export function checkDataStep(text: string, origin?: string): string {
  const statements = readScript(text, { origin }).statements;
  const [only] = statements;
  if (only === undefined || statements.length !== 1) {
    throw schemaProblem(
      origin,
      null,
      `a data step must be exactly one statement, not ${statements.length}: "${text.split('\n')[0]?.slice(0, 60) ?? ''}"`,
    );
  }
  if (!isWord(only.tokens[0], ...DATA_STATEMENTS)) {
    throw schemaProblem(
      origin,
      null,
      `a data step may only be ${DATA_STATEMENTS.join(', ')}; "${(only.text.split('\n')[0] ?? '').slice(0, 60)}" is not`,
    );
  }
  return only.text;
}

/** Splits the data steps off at the `-- @data` marker and checks that each only changes rows. */
function dataStepsAfter(
  marker: Comment | null,
  statements: readonly Statement[],
  origin: string | undefined,
): Statement[] {
  if (marker === null) return [];
  const steps = statements.filter((statement) => statement.start > marker.start);
  for (const step of steps) {
    if (!isWord(step.tokens[0], ...DATA_STATEMENTS)) {
      throw schemaProblem(
        origin,
        step.line,
        `a data step (after -- @data on line ${marker.line}) may only be ${DATA_STATEMENTS.join(', ')}; ` +
          `"${(step.text.split('\n')[0] ?? '').slice(0, 60)}" is not`,
        step.text,
      );
    }
  }
  return steps;
}

/**
 * Loads a SQL schema and its annotations. Only the statements before `-- @data` reach the
 * in-memory normaliser (and only schema statements are accepted there); the data steps are kept
 * as text, to run when a database crosses into the version.
 */
export async function loadSchemaSource(
  text: string | Uint8Array,
  origin?: string,
  loadOptions: { readonly allowEmpty?: boolean } = {},
): Promise<SchemaSource> {
  const options = { origin, requireTables: loadOptions.allowEmpty !== true };
  const sql = typeof text === 'string' ? text : decodeSchemaText(text, options);
  const script = readScript(sql, options);
  const { declarations, dataMarker } = readAnnotations(script, origin);
  const schemaStatements =
    dataMarker === null
      ? script.statements
      : script.statements.filter((statement) => statement.start < dataMarker.start);
  const dataSteps = dataStepsAfter(dataMarker, script.statements, origin);
  const desired = await loadDesiredStatements(schemaStatements, options);
  checkDeclarations(declarations, desired, origin);
  return {
    sql: dataMarker === null ? sql : sql.slice(0, dataMarker.start),
    desired,
    ...declared(declarations),
    dataSteps: dataSteps.map((step) => step.text),
    declarations,
    dataLine: dataMarker?.line ?? null,
    origin,
  };
}

/**
 * Reads a `--schema` file: errors say "schema file <path>, line N: …". A file records no version,
 * so it cannot carry data steps (they would run on every apply).
 */
export async function loadSchemaFile(path: string): Promise<SchemaSource> {
  const origin = `schema file ${path}`;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw schemaProblem(origin, null, `cannot read the file: ${(error as Error).message}`);
  }
  // An empty file is checked against the database: refused where it has tables (planOptionsAgainst).
  const source = await loadSchemaSource(bytes, origin, { allowEmpty: true });
  if (source.dataLine !== null) {
    throw schemaProblem(
      origin,
      source.dataLine,
      '-- @data: data steps need a schema version (SCHEMA_DIR), which records that they ran; a --schema file records none',
    );
  }
  return source;
}
