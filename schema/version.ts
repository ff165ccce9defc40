/** What one schema version declares, before the registry loads and checks it. */
import type { DataStep, DropAllowance } from '../lib/plan/planner.js';
import type { Renames } from '../lib/plan/renames.js';
import type { SchemaDefinition } from './definition.js';

export interface SchemaVersionSource {
  readonly version: string;
  readonly description: string;
  /** A fixed date written in the version (never the clock: every replica must agree on it). */
  readonly createdAt: string;
  /** The full desired schema: a typed definition or plain DDL. */
  readonly schema: { readonly definition: SchemaDefinition } | { readonly sql: string };
  readonly renames?: Renames;
  /** SQL run once, in the same transaction, when a database crosses into this version. */
  readonly dataSteps?: readonly string[];
  /** Objects this version explicitly allows dropping. */
  readonly allowDrops?: DropAllowance;
  /** Where the version came from, for error messages. */
  readonly file: string;
}

export type { DataStep };
