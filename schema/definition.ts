/**
 * Typed schema versions: the shape of the original TableSchema / ColumnInfo / IndexInfo, validated
 * with TypeBox and rendered to DDL, which then goes through the same in-memory normalisation as a
 * plain .sql version.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { quoteIdentifier as q } from '../lib/sql/tokens.js';

const Action = Type.Union(['NO ACTION', 'RESTRICT', 'SET NULL', 'SET DEFAULT', 'CASCADE'].map((a) => Type.Literal(a)));

export const ColumnDefinition = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    data_type: Type.String(),
    is_nullable: Type.Boolean(),
    default_value: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description: "SQL expression, e.g. `0`, `'USD'`, `(datetime('now'))`",
      }),
    ),
    is_primary_key: Type.Boolean(),
    autoincrement: Type.Optional(Type.Boolean()),
    is_unique: Type.Optional(Type.Boolean()),
    collate: Type.Optional(Type.String({ minLength: 1 })),
    check: Type.Optional(Type.String({ minLength: 1 })),
    references: Type.Optional(
      Type.Object(
        {
          table: Type.String({ minLength: 1 }),
          column: Type.String({ minLength: 1 }),
          on_delete: Type.Optional(Action),
          on_update: Type.Optional(Action),
        },
        { additionalProperties: false },
      ),
    ),
    generated: Type.Optional(
      Type.Object(
        {
          expression: Type.String({ minLength: 1 }),
          storage: Type.Union([Type.Literal('VIRTUAL'), Type.Literal('STORED')]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const IndexDefinition = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    table_name: Type.String({ minLength: 1 }),
    /** Column names, or SQL index terms such as `executed_at DESC` or `lower(symbol)`. */
    columns: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    is_unique: Type.Boolean(),
    where: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const TriggerDefinition = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    /** The whole CREATE TRIGGER statement. */
    sql: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const TableDefinition = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    columns: Type.Array(ColumnDefinition, { minItems: 1 }),
    indexes: Type.Array(IndexDefinition),
    triggers: Type.Array(TriggerDefinition),
    checks: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    strict: Type.Optional(Type.Boolean()),
    without_rowid: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ViewDefinition = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    /** The whole CREATE VIEW statement. */
    sql: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const SchemaDefinition = Type.Object(
  {
    tables: Type.Array(TableDefinition),
    views: Type.Optional(Type.Array(ViewDefinition)),
  },
  { additionalProperties: false },
);

export type ColumnDefinition = Static<typeof ColumnDefinition>;
export type IndexDefinition = Static<typeof IndexDefinition>;
export type TableDefinition = Static<typeof TableDefinition>;
export type ViewDefinition = Static<typeof ViewDefinition>;
export type SchemaDefinition = Static<typeof SchemaDefinition>;

/** Throws with every validation problem listed (path and message). */
export function validateDefinition(definition: unknown): SchemaDefinition {
  if (Value.Check(SchemaDefinition, definition)) return definition;
  const problems = [...Value.Errors(SchemaDefinition, definition)]
    .slice(0, 10)
    .map((error) => `${error.path || '/'}: ${error.message}`);
  throw new Error(`invalid schema definition: ${problems.join('; ')}`);
}

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function renderColumn(column: ColumnDefinition, inlinePrimaryKey: boolean): string {
  const parts = [q(column.name)];
  if (column.data_type.trim() !== '') parts.push(column.data_type.trim());
  if (inlinePrimaryKey) parts.push(column.autoincrement === true ? 'PRIMARY KEY AUTOINCREMENT' : 'PRIMARY KEY');
  if (!column.is_nullable) parts.push('NOT NULL');
  if (column.is_unique === true) parts.push('UNIQUE');
  if (column.default_value !== undefined && column.default_value !== null)
    parts.push(`DEFAULT ${column.default_value}`);
  if (column.collate !== undefined) parts.push(`COLLATE ${column.collate}`);
  if (column.check !== undefined) parts.push(`CHECK (${column.check})`);
  if (column.references !== undefined) {
    const ref = column.references;
    parts.push(`REFERENCES ${q(ref.table)}(${q(ref.column)})`);
    if (ref.on_delete !== undefined) parts.push(`ON DELETE ${ref.on_delete}`);
    if (ref.on_update !== undefined) parts.push(`ON UPDATE ${ref.on_update}`);
  }
  if (column.generated !== undefined)
    parts.push(`GENERATED ALWAYS AS (${column.generated.expression}) ${column.generated.storage}`);
  return parts.join(' ');
}

function renderIndex(index: IndexDefinition): string {
  const terms = index.columns.map((term) => (PLAIN_NAME.test(term) ? q(term) : term)).join(', ');
  const where = index.where === undefined ? '' : ` WHERE ${index.where}`;
  return `CREATE ${index.is_unique ? 'UNIQUE ' : ''}INDEX ${q(index.name)} ON ${q(index.table_name)} (${terms})${where}`;
}

function renderTable(table: TableDefinition): string[] {
  const primaryKey = table.columns.filter((column) => column.is_primary_key);
  const inline = primaryKey.length === 1;
  const lines = table.columns.map((column) => `  ${renderColumn(column, inline && column.is_primary_key)}`);
  if (primaryKey.length > 1) lines.push(`  PRIMARY KEY (${primaryKey.map((column) => q(column.name)).join(', ')})`);
  for (const check of table.checks ?? []) lines.push(`  CHECK (${check})`);
  const options = [table.without_rowid === true ? 'WITHOUT ROWID' : '', table.strict === true ? 'STRICT' : '']
    .filter(Boolean)
    .join(', ');
  return [
    `CREATE TABLE ${q(table.name)} (\n${lines.join(',\n')}\n)${options === '' ? '' : ` ${options}`}`,
    ...table.indexes.map(renderIndex),
    ...table.triggers.map((trigger) => trigger.sql.trim()),
  ];
}

/** Renders a typed definition to a DDL script (tables, their indexes and triggers, then views). */
export function renderDefinition(definition: SchemaDefinition): string {
  const statements = [
    ...definition.tables.flatMap(renderTable),
    ...(definition.views ?? []).map((view) => view.sql.trim()),
  ];
  return statements.map((statement) => `${statement.replace(/;\s*$/, '')};`).join('\n\n') + '\n';
}
