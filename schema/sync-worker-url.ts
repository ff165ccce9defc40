/** Where the service's sync threads run from (schema/sync-worker.ts, or its built .js). */
export interface SyncWorkerData {
  /** The service's SCHEMA_DIR: the worker loads the same registry. */
  readonly schemaDir: string | undefined;
}

export const SYNC_WORKER_URL = new URL(
  `./sync-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);
