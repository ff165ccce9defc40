/**
 * What the bench (bench.ts) and its stand-in process (standin.ts) say to each other over Node's
 * IPC channel: one command at a time, each answered once, matched by `id`.
 */

export type StandInCommand =
  | {
      readonly kind: 'setup';
      /** Where the database files go (the Platform API stand-in's `dir`). */
      readonly dir: string;
      /** The libSQL file every database starts as. */
      readonly template: string;
      readonly count: number;
      readonly latencyMs: number;
      readonly group: string;
    }
  /** Every database back to the template (after its streams are closed); counters to zero. */
  | { readonly kind: 'reset' }
  /** Requests since the last `counts` or `reset`, then counters to zero. */
  | { readonly kind: 'counts' }
  | { readonly kind: 'memory' };

export interface StandInDatabase {
  readonly name: string;
  /** `127.0.0.1:<port>`, the Hostname the Platform API reports. */
  readonly host: string;
  readonly file: string;
}

export interface StandInReady {
  readonly url: string;
  readonly org: string;
  readonly apiToken: string;
  readonly group: string;
  /** A group token the databases accept, for the floor (which makes no Platform API request). */
  readonly groupToken: string;
  readonly databases: readonly StandInDatabase[];
  readonly setupMs: number;
}

export interface StandInCounts {
  /** Hrana requests per database, in the order of `StandInReady.databases`. */
  readonly hrana: readonly number[];
  /** Platform API requests as `METHOD path`, database names elided, with how many of each. */
  readonly api: Readonly<Record<string, number>>;
  /** Hrana streams still open (a client that left streams behind). */
  readonly openStreams: number;
  /** CPU time the stand-in process spent serving them (user + system), ms. */
  readonly cpuMs: number;
}

export interface StandInMemory {
  /** Peak RSS of the stand-in process, MB. */
  readonly peakRssMb: number;
  readonly rssMb: number;
}

export type StandInAnswer =
  | { readonly id: number; readonly kind: 'ready'; readonly ready: StandInReady }
  | { readonly id: number; readonly kind: 'reset'; readonly ms: number }
  | { readonly id: number; readonly kind: 'counts'; readonly counts: StandInCounts }
  | { readonly id: number; readonly kind: 'memory'; readonly memory: StandInMemory }
  | { readonly id: number; readonly kind: 'error'; readonly message: string };

export type StandInRequest = StandInCommand & { readonly id: number };
