/** Human-readable renderings of schemas and plans, for the CLI. */
import { foldName, type Column, type DatabaseSchema, type Table, type View } from '../../lib/model.js';
import { identifierOf, tokenize } from '../../lib/sql/tokens.js';
import type { Plan, Step } from '../../lib/plan/steps.js';

/**
 * A default as SQLite reports it (`dflt_value`) loses the parentheses an expression needs in
 * CREATE TABLE (`DEFAULT (datetime('now'))`): literals print bare, anything else in parentheses.
 */
export function defaultClause(defaultSql: string): string {
  const literal =
    /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(defaultSql) ||
    /^0[xX][0-9a-fA-F]+$/.test(defaultSql) ||
    /^'(?:[^']|'')*'$/s.test(defaultSql) ||
    /^"(?:[^"]|"")*"$/s.test(defaultSql) ||
    /^[xX]'[0-9a-fA-F]*'$/.test(defaultSql) ||
    /^(NULL|TRUE|FALSE|CURRENT_TIME|CURRENT_DATE|CURRENT_TIMESTAMP)$/i.test(defaultSql);
  return `DEFAULT ${literal ? defaultSql : `(${defaultSql})`}`;
}

function describeColumn(column: Column, table: Table): string {
  const parts = [column.name, column.type || '(untyped)'];
  if (column.primaryKeyPosition > 0)
    parts.push(table.primaryKey.length > 1 ? `PK#${column.primaryKeyPosition}` : 'PRIMARY KEY');
  if (column.notNull) parts.push('NOT NULL');
  if (column.unique) parts.push('UNIQUE');
  if (column.defaultSql !== null) parts.push(defaultClause(column.defaultSql));
  if (column.collate !== null) parts.push(`COLLATE ${column.collate}`);
  if (column.generated !== null) parts.push(`AS (${column.generated.expression}) ${column.generated.storage}`);
  for (const check of column.checks) parts.push(`CHECK (${check})`);
  return parts.join(' ');
}

export function formatSchema(schema: DatabaseSchema): string {
  const lines: string[] = [];
  for (const table of schema.tables) {
    const flags = [
      table.strict ? 'STRICT' : '',
      table.withoutRowid ? 'WITHOUT ROWID' : '',
      table.autoincrement ? 'AUTOINCREMENT' : '',
      table.virtual ? 'VIRTUAL' : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(`table ${table.name}${flags === '' ? '' : ` (${flags})`}`);
    for (const column of table.columns) lines.push(`  ${describeColumn(column, table)}`);
    for (const fk of table.foreignKeys) {
      lines.push(
        `  FOREIGN KEY (${fk.columns.join(', ')}) → ${fk.targetTable}(${fk.targetColumns.join(', ')}) ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`,
      );
    }
    for (const check of table.checks) lines.push(`  CHECK (${check})`);
    for (const index of schema.indexes.filter((candidate) => candidate.table === table.name)) {
      const kind = index.origin === 'c' ? 'index' : `autoindex (${index.origin === 'pk' ? 'PRIMARY KEY' : 'UNIQUE'})`;
      const columns = index.columns
        .map((column) => `${column.name ?? '<expression>'}${column.desc ? ' DESC' : ''}`)
        .join(', ');
      lines.push(
        `  ${kind} ${index.name}${index.unique ? ' UNIQUE' : ''} (${columns})${index.partial ? ' partial' : ''}`,
      );
    }
    for (const trigger of schema.triggers.filter((candidate) => candidate.table === table.name))
      lines.push(`  trigger ${trigger.name}`);
  }
  for (const view of schema.views) lines.push(`view ${view.name}`);
  return lines.join('\n');
}

/** Views ordered so each comes after the views it selects from (the model lists them by name). */
function viewsInDependencyOrder(views: readonly View[]): View[] {
  const byName = new Map(views.map((view) => [foldName(view.name), view]));
  const done = new Set<string>();
  const ordered: View[] = [];
  const visit = (view: View, path: Set<string>): void => {
    const key = foldName(view.name);
    if (done.has(key) || path.has(key)) return;
    path.add(key);
    let mentioned: string[];
    try {
      mentioned = tokenize(view.sql)
        .map((token) => identifierOf(token))
        .filter((name): name is string => name !== undefined)
        .map(foldName);
    } catch {
      mentioned = [];
    }
    for (const name of mentioned) {
      const dependency = byName.get(name);
      if (dependency !== undefined && name !== key) visit(dependency, path);
    }
    done.add(key);
    ordered.push(view);
  };
  for (const view of views) visit(view, new Set());
  return ordered;
}

/**
 * The schema as DDL that recreates it in an empty database: each object's CREATE statement as
 * SQLite stores it (so defaults, CHECKs and collations are exactly as written), tables first, then
 * indexes, views in dependency order, triggers. schema-sync's own objects are left out.
 */
export function formatSql(schema: DatabaseSchema): string {
  const statements = [
    ...schema.tables.map((table) => table.sql),
    ...schema.indexes.flatMap((index) => (index.sql === null ? [] : [index.sql])),
    ...viewsInDependencyOrder(schema.views).map((view) => view.sql),
    ...schema.triggers.map((trigger) => trigger.sql),
  ];
  return statements.map((sql) => `${sql.trim().replace(/;\s*$/, '')};`).join('\n');
}

/** What a plan changes, counted by object (a rebuild's four statements are one change). */
export interface PlanSummary {
  readonly changes: number;
  readonly statements: number;
  /** Tables, indexes, views and triggers that did not exist. */
  readonly created: number;
  /** Columns added in place (ALTER TABLE ADD COLUMN). */
  readonly added: number;
  readonly rebuilt: number;
  /** Indexes, views and triggers dropped and created again (changed, or around a rebuild). */
  readonly recreated: number;
  readonly renamed: number;
  /** Tables, indexes, views and triggers dropped for good. */
  readonly dropped: number;
  readonly dataSteps: number;
  /** Changes that delete stored data or objects (a rebuild that drops columns included). */
  readonly destructive: number;
  /** Objects the desired schema lacks that are kept (not dropped). */
  readonly skipped: number;
  /** In-batch assertion statements (row counts, foreign keys): guards, not changes. */
  readonly assertions: number;
}

type Category = 'created' | 'added' | 'rebuilt' | 'recreated' | 'renamed' | 'dropped' | 'dataSteps';

/** The change a step belongs to, as a grouping key and a category (from its source). */
function changeOf(step: Step, index: number): { key: string; category: Category } | null {
  const source = step.source;
  if (source === undefined) return null;
  switch (source.kind) {
    case 'guard':
      return null;
    case 'data':
      return { key: `data#${index}`, category: 'dataSteps' };
    case 'rename':
      return {
        key: `rename:${source.object}:${foldName(source.table)}:${foldName(source.to)}`,
        category: 'renamed',
      };
    case 'column':
      return { key: `column:${foldName(source.table)}.${foldName(source.column)}`, category: 'added' };
    case 'table':
      return {
        key: `table:${foldName(source.table)}`,
        category: source.change === 'create' ? 'created' : source.change === 'drop' ? 'dropped' : 'rebuilt',
      };
    default:
      return {
        key: `${source.kind}:${foldName(source.name)}`,
        category: source.change === 'create' ? 'created' : source.change === 'drop' ? 'dropped' : 'recreated',
      };
  }
}

/** Steps grouped by the change they belong to, in plan order; assertions left out. */
function stepsByObject(plan: Plan): Array<{ steps: Step[]; category: Category | null }> {
  const groups = new Map<string, { steps: Step[]; category: Category | null }>();
  for (const [index, step] of plan.steps.entries()) {
    if (step.kind === 'assert') continue;
    const change = changeOf(step, index);
    // Without a source: create_view v and drop_view v are one change to "view:v"; each data step is its own.
    const family = step.kind === 'data' ? `data#${index}` : step.kind.replace(/^(create|drop|rebuild|rename|add)_/, '');
    const key = change?.key ?? `${family}:${foldName(step.object)}`;
    const group = groups.get(key) ?? { steps: [], category: null };
    group.steps.push(step);
    // A group's most telling category wins: rebuilt over recreated over created over dropped.
    if (change !== null && (group.category === null || RANK[change.category] > RANK[group.category]))
      group.category = change.category;
    groups.set(key, group);
  }
  return [...groups.values()];
}

const RANK: Readonly<Record<Category, number>> = {
  dropped: 0,
  created: 1,
  recreated: 2,
  added: 3,
  dataSteps: 3,
  renamed: 4,
  rebuilt: 5,
};

/** A group's category from its kinds (steps without a source); a "kept …" create restores an object. */
function categoryOf(steps: readonly Step[]): Category {
  const has = (pattern: RegExp): boolean => steps.some((step) => pattern.test(step.kind));
  if (has(/^rebuild_/)) return 'rebuilt';
  if (has(/^rename_/)) return 'renamed';
  if (has(/^add_/)) return 'added';
  if (has(/^data$/)) return 'dataSteps';
  const created = steps.filter((step) => step.kind.startsWith('create_'));
  if (created.length > 0)
    return has(/^drop_/) || created.every((step) => /^kept\b/.test(step.reason)) ? 'recreated' : 'created';
  return 'dropped';
}

export function summarizePlan(plan: Plan): PlanSummary {
  const groups = stepsByObject(plan).map(({ steps, category }) => ({
    category: category ?? categoryOf(steps),
    destructive: steps.some((step) => step.destructive),
  }));
  const count = (category: Category): number => groups.filter((group) => group.category === category).length;
  return {
    changes: groups.length,
    statements: plan.steps.length,
    created: count('created'),
    added: count('added'),
    rebuilt: count('rebuilt'),
    recreated: count('recreated'),
    renamed: count('renamed'),
    dropped: count('dropped'),
    dataSteps: count('dataSteps'),
    destructive: groups.filter((group) => group.destructive).length,
    skipped: plan.skipped.length,
    assertions: plan.steps.filter((step) => step.kind === 'assert').length,
  };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The version row apply would write (registry mode, database not at the target version). */
export interface VersionRow {
  readonly from: string | null;
  readonly to: string;
}

/**
 * E.g. "3 changes: 1 created, 0 added, 1 rebuilt, 1 dropped, 2 skipped (2 destructive); 14 statements".
 * A plan without DDL that still writes a version row says so: it is not "already as desired".
 */
export function summaryLine(plan: Plan, versionRow?: VersionRow): string {
  const s = summarizePlan(plan);
  const skipped = `${s.skipped} skipped${s.skipped === 0 ? '' : ' (kept, not in the desired schema)'}`;
  if (s.changes === 0) {
    const headline =
      versionRow === undefined
        ? 'no changes: already as desired'
        : `no DDL to run; the version row would be written: from ${versionRow.from ?? 'no version'} to ${versionRow.to}`;
    return `${headline}${s.skipped === 0 ? '' : `; ${skipped}`}`;
  }
  const extra = [
    s.recreated > 0 ? `${s.recreated} recreated` : '',
    s.renamed > 0 ? `${s.renamed} renamed` : '',
    s.dataSteps > 0 ? plural(s.dataSteps, 'data step') : '',
  ].filter(Boolean);
  const parts = [
    `${s.created} created`,
    `${s.added} added`,
    `${s.rebuilt} rebuilt`,
    ...extra,
    `${s.dropped} dropped`,
    skipped,
  ];
  const destructive = s.destructive === 0 ? '' : ` (${s.destructive} destructive)`;
  return `${plural(s.changes, 'change')}: ${parts.join(', ')}${destructive}; ${plural(s.statements, 'statement')}`;
}

/** Consecutive statements of one rebuild, shown under one heading. */
interface Entry {
  readonly steps: readonly Step[];
  readonly first: Step;
  readonly destructive: boolean;
}

function entriesOf(plan: Plan): Entry[] {
  const entries: Array<{ steps: Step[]; first: Step; destructive: boolean }> = [];
  for (const step of plan.steps) {
    if (step.kind === 'assert') continue;
    const last = entries[entries.length - 1];
    if (
      last !== undefined &&
      step.kind === 'rebuild_table' &&
      last.first.kind === step.kind &&
      last.first.object === step.object
    ) {
      last.steps.push(step);
      last.destructive ||= step.destructive;
      continue;
    }
    entries.push({ steps: [step], first: step, destructive: step.destructive });
  }
  return entries;
}

/** The assertions as one line: which guards the batch runs, not their nine statements. */
function assertionLine(plan: Plan): string | null {
  const asserts = plan.steps.filter((step) => step.kind === 'assert');
  if (asserts.length === 0) return null;
  const guards: string[] = [];
  if (asserts.some((step) => step.object === 'foreign_keys')) guards.push('foreign keys are off');
  const tables = [
    ...new Set(asserts.map((step) => step.object).filter((object) => object !== 'batch' && object !== 'foreign_keys')),
  ];
  if (tables.length > 0) guards.push(`row counts and foreign-key violations of ${tables.join(', ')} do not change`);
  return `-- checked inside the batch (${asserts.length} assertion statements, listed by --json): ${guards.join('; ') || 'batch guards'}`;
}

function entryHeader(entry: Entry): string {
  const mark = entry.destructive ? 'DESTRUCTIVE ' : '';
  const reason = entry.steps.length > 1 ? entry.first.reason.replace(/\s*\([^()]*\)$/, '') : entry.first.reason;
  return `${mark}${entry.first.kind} ${entry.first.object}: ${reason}`;
}

export function formatPlan(plan: Plan, versionRow?: VersionRow): string {
  const lines: string[] = [`-- ${summaryLine(plan, versionRow)}`];
  const entries = entriesOf(plan);
  const assertions = assertionLine(plan);
  if (assertions !== null) lines.push(assertions);
  for (const [i, entry] of entries.entries()) {
    lines.push(`-- ${i + 1}. ${entryHeader(entry)}`);
    for (const step of entry.steps) {
      const note =
        entry.steps.length > 1
          ? `-- ${step.destructive ? 'DESTRUCTIVE ' : ''}${/\(([^()]*)\)$/.exec(step.reason)?.[1] ?? step.reason}\n`
          : '';
      lines.push(`${note}${step.sql};`);
    }
  }
  if (plan.skipped.length > 0) {
    lines.push('', '-- kept (not in the desired schema; pass --allow-destructive to drop):');
    for (const skipped of plan.skipped) lines.push(`--   ${skipped.kind} ${skipped.object}: ${skipped.reason}`);
  }
  for (const warning of plan.warnings) lines.push(`-- warning: ${warning}`);
  return lines.join('\n');
}
