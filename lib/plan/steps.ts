/** The plan is data: ordered steps, each one SQL statement with why it is there. */

export type StepKind =
  | 'rename_table'
  | 'rename_column'
  | 'drop_trigger'
  | 'drop_view'
  | 'drop_index'
  | 'drop_table'
  | 'create_table'
  | 'add_column'
  | 'rebuild_table'
  | 'create_index'
  | 'create_view'
  | 'create_trigger'
  | 'assert'
  | 'data';

export interface Step {
  readonly kind: StepKind;
  /** The object the step acts on (table, `table.column`, index, view or trigger name). */
  readonly object: string;
  readonly sql: string;
  /** True when the step deletes stored data or an object the desired schema does not have. */
  readonly destructive: boolean;
  readonly reason: string;
}

export type ObjectKind = 'table' | 'column' | 'index' | 'view' | 'trigger';

export interface Skipped {
  readonly kind: ObjectKind;
  readonly object: string;
  readonly reason: string;
}

export interface Plan {
  readonly steps: readonly Step[];
  readonly skipped: readonly Skipped[];
  readonly warnings: readonly string[];
}
