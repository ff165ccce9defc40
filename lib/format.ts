/** Human-readable renderings of schemas and plans, for the CLI. */
import type { Column, DatabaseSchema, Table } from './model.js';
import type { Plan } from './steps.js';

function describeColumn(column: Column, table: Table): string {
  const parts = [column.name, column.type || '(untyped)'];
  if (column.primaryKeyPosition > 0) parts.push(table.primaryKey.length > 1 ? `PK#${column.primaryKeyPosition}` : 'PRIMARY KEY');
  if (column.notNull) parts.push('NOT NULL');
  if (column.unique) parts.push('UNIQUE');
  if (column.defaultSql !== null) parts.push(`DEFAULT ${column.defaultSql}`);
  if (column.collate !== null) parts.push(`COLLATE ${column.collate}`);
  if (column.generated !== null) parts.push(`AS (${column.generated.expression}) ${column.generated.storage}`);
  for (const check of column.checks) parts.push(`CHECK (${check})`);
  return parts.join(' ');
}

export function formatSchema(schema: DatabaseSchema): string {
  const lines: string[] = [];
  for (const table of schema.tables) {
    const flags = [table.strict ? 'STRICT' : '', table.withoutRowid ? 'WITHOUT ROWID' : '', table.autoincrement ? 'AUTOINCREMENT' : '', table.virtual ? 'VIRTUAL' : '']
      .filter(Boolean).join(', ');
    lines.push(`table ${table.name}${flags === '' ? '' : ` (${flags})`}`);
    for (const column of table.columns) lines.push(`  ${describeColumn(column, table)}`);
    for (const fk of table.foreignKeys) {
      lines.push(`  FOREIGN KEY (${fk.columns.join(', ')}) → ${fk.targetTable}(${fk.targetColumns.join(', ')}) ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`);
    }
    for (const check of table.checks) lines.push(`  CHECK (${check})`);
    for (const index of schema.indexes.filter((candidate) => candidate.table === table.name)) {
      const kind = index.origin === 'c' ? 'index' : `autoindex (${index.origin === 'pk' ? 'PRIMARY KEY' : 'UNIQUE'})`;
      const columns = index.columns.map((column) => `${column.name ?? '<expression>'}${column.desc ? ' DESC' : ''}`).join(', ');
      lines.push(`  ${kind} ${index.name}${index.unique ? ' UNIQUE' : ''} (${columns})${index.partial ? ' partial' : ''}`);
    }
    for (const trigger of schema.triggers.filter((candidate) => candidate.table === table.name)) lines.push(`  trigger ${trigger.name}`);
  }
  for (const view of schema.views) lines.push(`view ${view.name}`);
  return lines.join('\n');
}

export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  if (plan.steps.length === 0) lines.push('-- nothing to do: the database matches the desired schema');
  for (const [i, step] of plan.steps.entries()) {
    const mark = step.destructive ? 'DESTRUCTIVE ' : '';
    lines.push(`-- ${i + 1}. ${mark}${step.kind} ${step.object}: ${step.reason}`, `${step.sql};`);
  }
  if (plan.skipped.length > 0) {
    lines.push('', '-- kept (not in the desired schema; pass --allow-destructive to drop):');
    for (const skipped of plan.skipped) lines.push(`--   ${skipped.kind} ${skipped.object}: ${skipped.reason}`);
  }
  for (const warning of plan.warnings) lines.push(`-- warning: ${warning}`);
  return lines.join('\n');
}
