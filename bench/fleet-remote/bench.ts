/**
 * bench/fleet-remote: `schema-sync sync-all` with DB_PROVIDER=turso against the local Platform API
 * and Hrana stand-ins (real libSQL files), every request to them held `latencyMs` first, and a
 * floor measured in the same run against the same stand-ins at the same concurrency: one request
 * per database (floor.mjs). For each fleet size and each concurrency:
 *   floor migrating run, floor no-op, CLI migrating run, CLI no-op
 * (each migrating run on a fleet reset to 1.0.0 and verified afterwards database by database).
 * Three kinds of process: this one (drives, verifies), the stand-ins (standin.ts, one process per
 * fleet size) and the one under measurement (the CLI or the floor), timed whole, with its peak RSS
 * and CPU from /usr/bin/time. Requests are counted at the stand-ins, per database.
 */
import { timedNode, type Timed } from '../timed-process.js';
import { fork } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  converged,
  prepareReference,
  verifyDatabases,
  type CliCommand,
  type Reference,
  type Verified,
} from './fixture.js';
import type {
  StandInAnswer,
  StandInCommand,
  StandInCounts,
  StandInMemory,
  StandInReady,
  StandInRequest,
} from './protocol.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '..', '..');
const GROUP = 'users';

export interface FleetRemoteOptions {
  /** Fleet sizes, each on fresh stand-ins. */
  readonly counts: readonly number[];
  readonly latencyMs: number;
  readonly concurrencies: readonly number[];
  /** `built`: node dist/bin/schema-sync.js (build it first); `source`: bin/schema-sync.ts through tsx. */
  readonly cli: 'built' | 'source';
  /**
   * Where the fleets' files go (default: /dev/shm when writable, else the temp directory). On
   * tmpfs the stand-ins' commits cost no fsync: what Turso's servers spend on disk is not what
   * this bench measures, and a shared disk's fsyncs would swamp the clients' differences.
   */
  readonly filesDir?: string;
  /**
   * Rounds per concurrency (default 1), each floor then CLI, alternating; the fastest round of each
   * phase is the headline (on a shared machine the slower ones measure the neighbours).
   */
  readonly repeat?: number;
  /** PRAGMA integrity_check and foreign_key_check on every k-th database (default 100; 1: all). */
  readonly integrityEvery?: number;
  /** Node options for the timed CLI runs only (profiling: `--cpu-prof --cpu-prof-dir=<dir>`). */
  readonly cliNodeArgs?: readonly string[];
  readonly log?: (line: string) => void;
}

/** One timed process and what the stand-ins saw of it. */
export interface Phase {
  readonly wallS: number;
  readonly cpuS: number | null;
  readonly peakRssMb: number | null;
  /** Hrana requests, all databases. */
  readonly hranaRequests: number;
  /** Hrana requests per database: mean, fewest, most. */
  readonly perDatabase: { readonly mean: number; readonly min: number; readonly max: number };
  /** Platform API requests by `METHOD path`. */
  readonly apiRequests: Readonly<Record<string, number>>;
  /** Hrana streams left open when the process had exited. */
  readonly openStreamsAfter: number;
  /** CPU time of the stand-in process meanwhile (what the stand-ins cost), s. */
  readonly standInCpuS: number;
  readonly loadAverage: number;
}

export interface CliPhase extends Phase {
  /** sync-all's own summary line (its durationMs excludes process start-up). */
  readonly summary: {
    readonly outcomes: Readonly<Record<string, number>>;
    readonly durationMs: number;
    readonly plansComputed: number;
    readonly exitCode: number;
  };
}

export interface AtConcurrency {
  readonly concurrency: number;
  /** N × latency ÷ concurrency: one latency per database and nothing else. */
  readonly idealS: number;
  readonly floor: { readonly migrate: Phase & { readonly verified: Verified }; readonly noop: Phase };
  readonly cli: { readonly migrate: CliPhase & { readonly verified: Verified }; readonly noop: CliPhase };
  /** CLI wall time ÷ floor wall time (the fastest round of each). */
  readonly migrateVsFloor: number;
  readonly noopVsFloor: number;
  /** Every round's wall time, s. */
  readonly wallSamples: Readonly<Record<keyof Samples, readonly number[]>>;
}

interface Samples {
  readonly floorMigrate: (Phase & { readonly verified: Verified })[];
  readonly floorNoop: Phase[];
  readonly cliMigrate: (CliPhase & { readonly verified: Verified })[];
  readonly cliNoop: CliPhase[];
}

/** The round least disturbed by the machine's other work: the shortest. */
function fastest<T extends Phase>(phases: readonly T[]): T {
  const [first, ...rest] = phases;
  if (first === undefined) throw new Error('no round was run');
  return rest.reduce((best, phase) => (phase.wallS < best.wallS ? phase : best), first);
}

export interface AtCount {
  readonly databases: number;
  readonly setupS: number;
  readonly runs: readonly AtConcurrency[];
  readonly standIn: StandInMemory;
}

export interface FleetRemoteResult {
  readonly latencyMs: number;
  readonly repeat: number;
  readonly cores: number;
  readonly loadAverageAtStart: number;
  readonly cli: string;
  /** Where the database files were. */
  readonly filesDir: string;
  readonly from: string;
  readonly to: string;
  /** The plan sync-all applies, in-batch checks included; the floor sends the rest. */
  readonly planStatements: number;
  readonly floorStatements: number;
  readonly fleets: readonly AtCount[];
  readonly targets: {
    readonly migrateVsFloor: number;
    readonly noopVsFloor: number;
    readonly requestsPerBehindDatabase: number;
  };
}

/** The stand-in process, spoken to one command at a time. */
class StandIn {
  readonly #child = fork(join(here, 'standin.ts'), [], {
    cwd: repo,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  readonly #pending = new Map<number, (answer: StandInAnswer) => void>();
  #next = 1;
  #exit: Promise<void>;

  constructor() {
    this.#child.on('message', (answer: StandInAnswer) => {
      this.#pending.get(answer.id)?.(answer);
      this.#pending.delete(answer.id);
    });
    this.#exit = new Promise((resolve) =>
      this.#child.on('exit', (code) => {
        for (const settle of this.#pending.values())
          settle({ id: 0, kind: 'error', message: `the stand-in process exited (${code})` });
        this.#pending.clear();
        resolve();
      }),
    );
  }

  async call<K extends StandInAnswer['kind']>(
    command: StandInCommand,
    kind: K,
  ): Promise<Extract<StandInAnswer, { kind: K }>> {
    const id = this.#next++;
    const answer = await new Promise<StandInAnswer>((resolve) => {
      this.#pending.set(id, resolve);
      this.#child.send({ ...command, id } satisfies StandInRequest);
    });
    if (answer.kind === 'error') throw new Error(`stand-in: ${answer.message}`);
    if (answer.kind !== kind) throw new Error(`stand-in answered ${answer.kind} to ${command.kind}`);
    return answer as Extract<StandInAnswer, { kind: K }>;
  }

  async close(): Promise<void> {
    if (this.#child.connected) this.#child.disconnect();
    await this.#exit;
  }
}

/** Runs a whole process: wall time around it, peak RSS and CPU from /usr/bin/time. */
const timed = (args: readonly string[], env: NodeJS.ProcessEnv, outFile: string): Promise<Timed> =>
  timedNode(args, { cwd: repo, env, outFile, captureStderr: true });

function phaseOf(run: Timed, counts: StandInCounts): Phase {
  const total = counts.hrana.reduce((sum, n) => sum + n, 0);
  return {
    wallS: run.wallS,
    cpuS: run.cpuS,
    peakRssMb: run.peakRssMb,
    hranaRequests: total,
    perDatabase: {
      mean: Math.round((total / Math.max(1, counts.hrana.length)) * 1000) / 1000,
      min: Math.min(...counts.hrana),
      max: Math.max(...counts.hrana),
    },
    apiRequests: counts.api,
    openStreamsAfter: counts.openStreams,
    standInCpuS: counts.cpuMs / 1000,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 10) / 10,
  };
}

/** The environment of a process under measurement: none of the caller's schema-sync settings. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(TURSO_|DB_|JWT_|SCHEMA_DIR$|DATA_DIR$|NODE_ENV$|LOG_LEVEL$)/.test(key)) env[key] = value;
  return { ...env, ...extra };
}

const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

export async function runFleetRemote(options: FleetRemoteOptions): Promise<FleetRemoteResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const integrityEvery = options.integrityEvery ?? 100;
  const repeat = Math.max(1, options.repeat ?? 1);
  const work = mkdtempSync(join(tmpdir(), 'schema-sync-bench-fleet-remote-'));
  const filesDir = mkdtempSync(join(options.filesDir ?? defaultFilesDir(), 'schema-sync-bench-fleet-remote-'));
  const cliArgv =
    options.cli === 'built'
      ? [join(repo, 'dist', 'bin', 'schema-sync.js')]
      : ['--import', 'tsx', join(repo, 'bin', 'schema-sync.ts')];
  const loadAverageAtStart = Math.round((loadavg()[0] ?? 0) * 10) / 10;
  try {
    const reference: Reference = await prepareReference(
      { argv: cliArgv, env: cleanEnv({}), cwd: repo } satisfies CliCommand,
      join(work, 'reference'),
    );
    const fleets: AtCount[] = [];
    for (const count of options.counts) {
      fleets.push(await atCount(count, reference));
    }
    return {
      latencyMs: options.latencyMs,
      repeat,
      cores: availableParallelism(),
      loadAverageAtStart,
      cli: options.cli === 'built' ? 'node dist/bin/schema-sync.js' : 'tsx bin/schema-sync.ts',
      filesDir: options.filesDir ?? defaultFilesDir(),
      from: reference.fromVersion,
      to: reference.version,
      planStatements: reference.planStatements,
      floorStatements: reference.statements.length,
      fleets,
      targets: { migrateVsFloor: 1.5, noopVsFloor: 1.2, requestsPerBehindDatabase: 1.1 },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(filesDir, { recursive: true, force: true });
  }

  async function atCount(count: number, reference: Reference): Promise<AtCount> {
    const dir = join(filesDir, `fleet-${count}`);
    mkdirSync(dir, { recursive: true });
    const standIn = new StandIn();
    try {
      const { ready } = await standIn.call(
        { kind: 'setup', dir, template: reference.template, count, latencyMs: options.latencyMs, group: GROUP },
        'ready',
      );
      log(`bench/fleet-remote: ${count} databases ready in ${(ready.setupMs / 1000).toFixed(1)} s`);
      const runs: AtConcurrency[] = [];
      for (const concurrency of options.concurrencies) runs.push(await atConcurrency(standIn, ready, concurrency));
      const { memory } = await standIn.call({ kind: 'memory' }, 'memory');
      return { databases: count, setupS: ready.setupMs / 1000, runs, standIn: memory };
    } finally {
      await standIn.close();
      rmSync(dir, { recursive: true, force: true });
    }

    async function atConcurrency(standIn: StandIn, ready: StandInReady, concurrency: number): Promise<AtConcurrency> {
      const files = ready.databases.map((db) => db.file);
      const jobFile = join(work, `floor-${count}-${concurrency}.json`);
      const floorRun = async (mode: 'migrate' | 'noop'): Promise<Phase> => {
        writeFileSync(
          jobFile,
          JSON.stringify({
            mode,
            concurrency,
            token: ready.groupToken,
            hosts: ready.databases.map((db) => db.host),
            statements: reference.statements,
            audit: { sql: reference.audit.sql, args: reference.audit.args.map(hranaValue) },
            expectVersion: reference.version,
          }),
        );
        const run = await timed([join(here, 'floor.mjs'), jobFile], cleanEnv({}), join(work, `floor-${mode}.out`));
        const answer = run.code === 0 ? (JSON.parse(run.out) as { failed: number; failures: unknown[] }) : null;
        if (answer === null || answer.failed > 0)
          throw new Error(`floor ${mode} failed: ${answer === null ? run.err : JSON.stringify(answer.failures)}`);
        return phaseOf(run, (await standIn.call({ kind: 'counts' }, 'counts')).counts);
      };
      const cliEnv = cleanEnv({
        DB_PROVIDER: 'turso',
        TURSO_API_URL: ready.url,
        TURSO_API_TOKEN: ready.apiToken,
        TURSO_ORG: ready.org,
        TURSO_GROUP: ready.group,
        TURSO_TLS: 'false',
      });
      const cliRun = async (label: string): Promise<CliPhase> => {
        const run = await timed(
          [...(options.cliNodeArgs ?? []), ...cliArgv, 'sync-all', '--json', '--concurrency', String(concurrency)],
          cliEnv,
          join(work, `cli-${label}.out`),
        );
        if (run.code !== 0) throw new Error(`sync-all (${label}) exited ${run.code}: ${(run.err ?? '').slice(-2000)}`);
        const summary = (JSON.parse(run.out.trim().split('\n').at(-1) as string) as { summary: CliPhase['summary'] })
          .summary;
        return {
          ...phaseOf(run, (await standIn.call({ kind: 'counts' }, 'counts')).counts),
          summary: {
            outcomes: summary.outcomes,
            durationMs: summary.durationMs,
            plansComputed: summary.plansComputed,
            exitCode: summary.exitCode,
          },
        };
      };
      const verify = async (label: string): Promise<Verified> => {
        const verified = await verifyDatabases(files, reference, integrityEvery);
        if (!converged(verified))
          throw new Error(`${label} did not converge every database: ${JSON.stringify(verified)}`);
        return verified;
      };
      const show = (label: string, phase: Phase, floor?: Phase): void =>
        log(
          `  N=${count} c=${concurrency} ${label.padEnd(13)} ${phase.wallS.toFixed(2).padStart(7)} s` +
            (floor === undefined ? '' : ` (${ratio(phase.wallS, floor.wallS).toFixed(2)}× floor)`) +
            `, ${phase.perDatabase.mean} req/db (max ${phase.perDatabase.max}), API ${JSON.stringify(phase.apiRequests)}, ` +
            `peak RSS ${phase.peakRssMb ?? '?'} MB, cpu ${phase.cpuS ?? '?'} s (stand-ins ${phase.standInCpuS} s), load ${phase.loadAverage}`,
        );

      const idealS = (count * options.latencyMs) / concurrency / 1000;
      log(`  N=${count} c=${concurrency} ideal (N × latency ÷ c): ${idealS.toFixed(2)} s`);
      const samples: Samples = { floorMigrate: [], floorNoop: [], cliMigrate: [], cliNoop: [] };
      for (let round = 0; round < repeat; round++) {
        await standIn.call({ kind: 'reset' }, 'reset');
        const floorMigrate = await floorRun('migrate');
        samples.floorMigrate.push({ ...floorMigrate, verified: await verify('the floor') });
        show('floor migrate', floorMigrate);
        const floorNoop = await floorRun('noop');
        samples.floorNoop.push(floorNoop);
        show('floor no-op', floorNoop);

        await standIn.call({ kind: 'reset' }, 'reset');
        const cliMigrate = await cliRun('migrate');
        const verified = await verify('sync-all');
        if (cliMigrate.summary.outcomes['applied'] !== count)
          throw new Error(`sync-all applied ${cliMigrate.summary.outcomes['applied']} of ${count}`);
        samples.cliMigrate.push({ ...cliMigrate, verified });
        show('cli migrate', cliMigrate, floorMigrate);
        const cliNoop = await cliRun('noop');
        if (cliNoop.summary.outcomes['up_to_date'] !== count)
          throw new Error(`the no-op sync-all found ${cliNoop.summary.outcomes['up_to_date']} of ${count} up to date`);
        samples.cliNoop.push(cliNoop);
        show('cli no-op', cliNoop, floorNoop);
      }
      const floor = { migrate: fastest(samples.floorMigrate), noop: fastest(samples.floorNoop) };
      const cli = { migrate: fastest(samples.cliMigrate), noop: fastest(samples.cliNoop) };
      return {
        concurrency,
        idealS: Math.round(idealS * 1000) / 1000,
        floor,
        cli,
        migrateVsFloor: ratio(cli.migrate.wallS, floor.migrate.wallS),
        noopVsFloor: ratio(cli.noop.wallS, floor.noop.wallS),
        wallSamples: {
          floorMigrate: samples.floorMigrate.map((p) => p.wallS),
          floorNoop: samples.floorNoop.map((p) => p.wallS),
          cliMigrate: samples.cliMigrate.map((p) => p.wallS),
          cliNoop: samples.cliNoop.map((p) => p.wallS),
        },
      };
    }
  }
}

function defaultFilesDir(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

/** A value as Hrana's JSON encoding carries it (integers as strings). */
function hranaValue(value: string | number | null): object {
  if (value === null) return { type: 'null' };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { type: 'integer', value: String(value) } : { type: 'float', value };
  return { type: 'text', value };
}
