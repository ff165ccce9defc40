/**
 * Checking what a version declares: against its own schema (a rename's new name exists, a dropped
 * object is gone), against the previous version (for a registry), or against the database a
 * `--schema` file is applied to.
 */
import { schemaProblem, type DesiredSchemaError } from '../desired.js';
import type { DatabaseSchema, Table } from '../model.js';
import { findByName, foldName } from '../model.js';
import type { PlanOptions } from '../plan/options.js';
import type { Declaration, DropKind } from './declarations.js';
import type { SchemaSource } from './load.js';

const objectsOf = (schema: DatabaseSchema, kind: DropKind): ReadonlyArray<{ readonly name: string }> =>
  kind === 'table'
    ? schema.tables
    : kind === 'index'
      ? schema.indexes.filter((index) => index.origin === 'c')
      : kind === 'view'
        ? schema.views
        : schema.triggers;

/** Which kind of object of this schema holds the name (tables, views and indexes share one namespace). */
function relationNamed(schema: DatabaseSchema, name: string): 'table' | 'view' | 'index' | undefined {
  if (findByName(schema.tables, name) !== undefined) return 'table';
  if (findByName(schema.views, name) !== undefined) return 'view';
  return findByName(schema.indexes, name) === undefined ? undefined : 'index';
}

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
      case 'rename_index': {
        if (findByName(objectsOf(desired, 'index'), declaration.index) === undefined)
          throw fail(`this schema has no index ${declaration.index}`);
        const holder = relationNamed(desired, declaration.from);
        if (holder !== undefined) throw fail(`this schema still defines ${holder} ${declaration.from}`);
        once(`ri:${foldName(declaration.from)}`, `a rename from index ${declaration.from}`);
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
      case 'rename_index':
        if (findByName(objectsOf(before, 'index'), declaration.from) === undefined)
          throw fail(`${at} has no index ${declaration.from}`);
        if (findByName(objectsOf(before, 'index'), declaration.index) !== undefined)
          throw fail(`${at} already has an index ${declaration.index}`);
        break;
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
  /** A rename of a table or an index needs exactly one of its two names in the database. */
  const renameEnds = (
    declaration: Declaration,
    kind: 'table' | 'index',
    from: string,
    to: string,
    has: (name: string) => boolean,
  ): void => {
    if (has(from) && has(to))
      throw fail(
        declaration,
        `the database has both ${kind} ${from} and ${kind} ${to}; drop one or remove the annotation`,
      );
    if (!has(from) && !has(to)) {
      const article = kind === 'index' ? 'an' : 'a';
      throw fail(
        declaration,
        `the database has no ${kind} ${from} to rename (nor ${article} ${kind} ${to}); remove the annotation`,
      );
    }
  };
  for (const declaration of source.declarations) {
    if (declaration.kind === 'rename_table') {
      renameEnds(declaration, 'table', declaration.from, declaration.table, (name) => tableNow(name) !== undefined);
    } else if (declaration.kind === 'rename_index') {
      const named = objectsOf(actual, 'index');
      renameEnds(
        declaration,
        'index',
        declaration.from,
        declaration.index,
        (name) => findByName(named, name) !== undefined,
      );
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
