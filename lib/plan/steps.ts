/** The plan is data: ordered steps, each one SQL statement with why it is there. */
import type { RebuildCause } from './causes.js';

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

/** Why an object is dropped for good (it exists before the apply and not after). */
export type DropCause =
  /** Not in the desired schema, and the caller allowed dropping it (allowance or allowDestructive). */
  | { readonly kind: 'allowed' }
  /** The desired schema gives its name to an object of another kind (a view or index holds no data). */
  | { readonly kind: 'name taken'; readonly by: 'table' | 'view' | 'index' }
  /** It uses a column this plan drops: SQLite cannot keep it without the column. */
  | { readonly kind: 'with column'; readonly table: string; readonly column: string }
  /** It belongs to a table this plan drops. */
  | { readonly kind: 'with table'; readonly table: string };

export type ObjectKind = 'table' | 'column' | 'index' | 'view' | 'trigger';

/**
 * The change a step belongs to (like Atlas's migrate.Change.Source): plain, serialisable data, so
 * a reader can group and count steps without reading their SQL or their reason text. Every step
 * the planner makes carries one; steps built elsewhere (a fleet report's grouped statements) may not.
 */
export type StepSource =
  | { readonly kind: 'table'; readonly table: string; readonly change: 'create' }
  | { readonly kind: 'table'; readonly table: string; readonly change: 'drop'; readonly cause: DropCause }
  | {
      readonly kind: 'table';
      readonly table: string;
      readonly change: 'rebuild';
      readonly causes: readonly RebuildCause[];
      /** Columns the rebuild drops (the caller allowed it): their data is deleted. */
      readonly droppedColumns: readonly string[];
    }
  | { readonly kind: 'column'; readonly table: string; readonly column: string; readonly change: 'add' }
  | {
      readonly kind: 'index' | 'view' | 'trigger';
      readonly name: string;
      /**
       * create: new; recreate: dropped and created again (changed, or around a change of what it
       * depends on; a kept object restored after its table's rebuild has only the create).
       */
      readonly change: 'create' | 'recreate';
    }
  | {
      readonly kind: 'index' | 'view' | 'trigger';
      readonly name: string;
      readonly change: 'drop';
      readonly cause: DropCause;
    }
  | {
      readonly kind: 'rename';
      readonly object: 'table' | 'column' | 'index';
      /** The table renamed, or the table whose column or index is renamed (by its new name). */
      readonly table: string;
      readonly from: string;
      readonly to: string;
    }
  | { readonly kind: 'data'; readonly version: string }
  /** An in-batch assertion (foreign keys off, row counts and violations unchanged, values kept). */
  | { readonly kind: 'guard'; readonly table: string | null };

export interface Step {
  readonly kind: StepKind;
  /** The object the step acts on (table, `table.column`, index, view or trigger name). */
  readonly object: string;
  readonly sql: string;
  /** True when the step deletes stored data or an object the desired schema does not have. */
  readonly destructive: boolean;
  readonly reason: string;
  /** The change the step belongs to; set on every step the planner makes. */
  readonly source?: StepSource;
}

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
