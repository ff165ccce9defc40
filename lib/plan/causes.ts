/**
 * Why a table is rebuilt, as data: a discriminated union the planner decides and tests can match
 * on, rendered to the plan's `reason` text only when steps are written (the JSON shape is text).
 */

/** Why ALTER TABLE ADD COLUMN cannot add a column (SQLite's documented limits, and its 3.45 bug). */
export type AddColumnObstacle =
  | { readonly kind: 'primary key' }
  | { readonly kind: 'unique' }
  | { readonly kind: 'stored generated' }
  | { readonly kind: 'not null without default' }
  | { readonly kind: 'non-constant default'; readonly defaultSql: string }
  | { readonly kind: 'foreign key' }
  | { readonly kind: 'table-level clause'; readonly clause: string; readonly sql: string }
  | { readonly kind: 'real default'; readonly defaultSql: string };

/** Which part of the table's definition apart from its columns changed. */
export type ConstraintChange =
  | 'becomes strict'
  | 'stops being strict'
  | 'without rowid'
  | 'autoincrement'
  | 'foreign keys'
  | 'primary key'
  | 'unique'
  | 'check';

export type RebuildCause =
  | { readonly kind: 'column changed'; readonly column: string }
  | { readonly kind: 'column order changed' }
  | { readonly kind: 'new columns not at the end' }
  | { readonly kind: 'cannot add column'; readonly column: string; readonly obstacle: AddColumnObstacle }
  | { readonly kind: 'constraints changed'; readonly change: ConstraintChange }
  | { readonly kind: 'clauses changed' }
  | { readonly kind: 'dropping columns'; readonly columns: readonly string[] };

export function describeObstacle(obstacle: AddColumnObstacle): string {
  switch (obstacle.kind) {
    case 'primary key':
      return 'it is part of the PRIMARY KEY';
    case 'unique':
      return 'it has a UNIQUE constraint';
    case 'stored generated':
      return 'it is a STORED generated column';
    case 'not null without default':
      return 'it is NOT NULL without a default';
    case 'non-constant default':
      return `its default ${obstacle.defaultSql} is not a constant`;
    case 'foreign key':
      return 'its foreign key needs the table rebuilt';
    case 'table-level clause':
      return `the table-level ${obstacle.clause.toUpperCase()} constraint ${obstacle.sql} names it`;
    case 'real default':
      return `its default ${obstacle.defaultSql} is a real value, which ADD COLUMN mishandles in SQLite 3.45`;
  }
}

const CONSTRAINT_TEXT: Readonly<Record<ConstraintChange, string>> = {
  'becomes strict': 'table becomes STRICT',
  'stops being strict': 'table stops being STRICT',
  'without rowid': 'WITHOUT ROWID changed',
  autoincrement: 'AUTOINCREMENT changed',
  'foreign keys': 'foreign keys changed',
  'primary key': 'primary key changed',
  unique: 'UNIQUE constraints changed',
  check: 'CHECK constraints changed',
};

export function describeCause(cause: RebuildCause): string {
  switch (cause.kind) {
    case 'column changed':
      return `column ${cause.column} changed`;
    case 'column order changed':
      return 'column order changed';
    case 'new columns not at the end':
      return 'new columns are not at the end';
    case 'cannot add column':
      return `column ${cause.column} cannot be added in place: ${describeObstacle(cause.obstacle)}`;
    case 'constraints changed':
      return CONSTRAINT_TEXT[cause.change];
    case 'clauses changed':
      return 'ON CONFLICT, DEFERRABLE or PRIMARY KEY order changed';
    case 'dropping columns':
      return `dropping column(s) ${cause.columns.join(', ')}`;
  }
}
