/**
 * `schema-sync sync-all`: bring every database of a fleet to the registry's current version (or a
 * staged `--to` version). Exit codes: 0 every database at the target, 1 any failed (each failed one
 * left unchanged) or a stop left some untouched, 2 usage, 3 any database ahead of the application.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { usableCores } from '../../lib/cores.js';
import { formatPlan } from '../cli/format.js';
import {
  groupPlans,
  problemLines,
  resultFields,
  reportDocument,
  summarize,
  type PlanGroup,
  type RolloutSummary,
} from '../../lib/fleet/report.js';
import { FleetState, StateFileError } from '../../lib/fleet/file-state.js';
import { defaultMode, runRollout, type LaneMode, type RolloutDatabases } from '../../lib/fleet/runner.js';
import { inShard, onlyShard, parseShard, type Shard } from '../../lib/fleet/shard.js';
import { listAll, localDirectorySource, providerSource, type DatabaseSource } from '../../lib/fleet/source.js';
import type { DatabaseResult } from '../../lib/fleet/sync-one.js';
import { resolveTarget } from '../../lib/fleet/resolve-to.js';
import { TargetError } from '../../lib/target.js';
import { loadRegistry } from '../../schema/registry.js';
import type { Command, OptionSpecs, OptionValues } from '../cli/command.js';
import { reportFailure, UsageError } from '../cli/errors.js';
import { EXIT } from '../cli/exit.js';
import { processIo, type Io } from '../cli/io.js';
import { flag, stringOption } from '../cli/options.js';

/**
 * Remote databases in flight by default: a remote sync waits on the network, not the CPU, so lanes
 * are sized for round trips; each holds one client and one request, and plans are shared.
 */
const REMOTE_CONCURRENCY = 32;

const OPTIONS: OptionSpecs = {
  'data-dir': { type: 'string' },
  to: { type: 'string' },
  canary: { type: 'string' },
  'max-failures': { type: 'string' },
  shard: { type: 'string' },
  concurrency: { type: 'string' },
  lanes: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  report: { type: 'string' },
  'metrics-file': { type: 'string' },
  state: { type: 'string' },
  'allow-destructive': { type: 'boolean', default: false },
};

const HELP: ReadonlyArray<readonly [string, string]> = [
  [
    '--data-dir <dir>',
    'sync-all: every *.db file under <dir> (recursively); with DB_PROVIDER=turso and no --data-dir: every database of TURSO_GROUP',
  ],
  ['--to <version>', 'sync-all: a registry version short of the current one (staged rollouts)'],
  ['--canary <K>', 'sync-all: sync K databases first; stop if any of them fails'],
  ['--max-failures <F>', 'sync-all: stop dispatching after F failures (default: never stop)'],
  ['--shard <i/n>', 'sync-all: only shard i of n (stable hash of the name; 0 ≤ i < n)'],
  [
    '--concurrency <N>',
    `sync-all: worker processes for --data-dir (default: CPU cores, within the container's CPU quota), or remote databases in flight (default: ${REMOTE_CONCURRENCY})`,
  ],
  [
    '--lanes processes|threads|async',
    'sync-all: child processes (default for file: databases), worker threads, or async lanes',
  ],
  ['--dry-run', 'sync-all: print the plans grouped by schema; change nothing'],
  ['--report <file.json>', 'sync-all: per database from, to, statements, duration, outcome, error'],
  ['--metrics-file <path>', 'sync-all: write Prometheus text-format counters (textfile collector)'],
  [
    '--state <file>|none',
    'sync-all: what runs learn about local files, so unchanged up-to-date ones are not reopened\n(default: <data-dir>/.schema-sync/fleet-state.json; none: neither read nor write it)',
  ],
];

const SYNOPSIS =
  '--data-dir <dir> [--to <version>] [--canary K] [--max-failures F] [--shard i/n] [--concurrency N] [--dry-run] [--report file.json] [--metrics-file path] [--state file|none] [--json]';

/** sync-all's exit codes differ from the one-database commands' in meaning, not in number. */
export const SYNC_ALL_EXIT_HELP =
  'sync-all exit codes: 0 all at target, 1 any failed or stopped early, 2 usage, 3 any database ahead.';

interface SyncAllOptions {
  /** Undefined: the configured provider's databases (DB_PROVIDER=turso). */
  readonly dataDir: string | undefined;
  readonly to: string | undefined;
  readonly canary: number | undefined;
  readonly maxFailures: number | undefined;
  readonly shard: Shard | undefined;
  readonly concurrency: number;
  readonly lanes: LaneMode | undefined;
  readonly dryRun: boolean;
  readonly report: string | undefined;
  readonly metricsFile: string | undefined;
  /** The state file, or null for none (remote fleets, --state none). */
  readonly stateFile: string | null;
  readonly allowDestructive: boolean;
  readonly json: boolean;
}

function positiveInteger(flagName: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min)
    throw new UsageError(`${flagName} must be an integer ≥ ${min}, not "${text}"`);
  return Number(text);
}

/**
 * Local fleets keep their state file in the data directory, one per shard (shards run at once and
 * each sees only its own databases). A remote fleet has no files to vouch for.
 */
function stateFileOf(given: string | undefined, dataDir: string | undefined, shard: Shard | undefined): string | null {
  if (given === 'none') return null;
  if (given === '') throw new UsageError('--state needs a file path, or none');
  if (given !== undefined) return given;
  if (dataDir === undefined) return null;
  return join(
    dataDir,
    '.schema-sync',
    shard === undefined ? 'fleet-state.json' : `fleet-state.shard-${shard.index}-of-${shard.count}.json`,
  );
}

/** The state file's contents; an unreadable one is reported and replaced by this run's. */
function loadState(path: string | null, io: Io): FleetState | undefined {
  if (path === null) return undefined;
  try {
    return FleetState.load(path);
  } catch (error) {
    if (!(error instanceof StateFileError)) throw error;
    io.stderr(
      `schema-sync sync-all: ${error.message}; reading every database instead (the file is rewritten at the end)\n`,
    );
    return FleetState.empty(path);
  }
}

function readOptions(values: OptionValues, io: Io): SyncAllOptions {
  const given = stringOption(values, 'data-dir');
  const dataDir = given === '' ? undefined : given;
  if (dataDir === undefined && io.env['DB_PROVIDER'] !== 'turso')
    throw new UsageError('--data-dir <dir> is required (or DB_PROVIDER=turso)');
  const shardText = stringOption(values, 'shard');
  let shard: Shard | undefined;
  try {
    shard = shardText === undefined ? undefined : parseShard(shardText);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const lanes = stringOption(values, 'lanes');
  if (lanes !== undefined && lanes !== 'processes' && lanes !== 'threads' && lanes !== 'async') {
    throw new UsageError(`--lanes must be processes, threads or async, not "${lanes}"`);
  }
  return {
    dataDir,
    to: stringOption(values, 'to'),
    canary: positiveInteger('--canary', stringOption(values, 'canary'), 1),
    maxFailures: positiveInteger('--max-failures', stringOption(values, 'max-failures'), 1),
    shard,
    concurrency:
      positiveInteger('--concurrency', stringOption(values, 'concurrency'), 1) ??
      (dataDir === undefined ? REMOTE_CONCURRENCY : usableCores()),
    lanes,
    dryRun: flag(values, 'dry-run'),
    report: stringOption(values, 'report'),
    metricsFile: stringOption(values, 'metrics-file'),
    stateFile: stateFileOf(stringOption(values, 'state'), dataDir, shard),
    allowDestructive: flag(values, 'allow-destructive'),
    json: flag(values, 'json'),
  };
}

/** One line per database as it finishes; on a terminal, a progress bar instead. */
interface Progress {
  start(): void;
  /** How many databases are listed so far (a provider's listing grows while databases sync). */
  listed(count: number): void;
  result(result: DatabaseResult): void;
  stop(): void;
}

/**
 * The lines of the databases that finish within one turn of the event loop go out in one write
 * (a write each cost a fleet run a system call per database).
 */
function jsonLines(io: Io): Progress {
  let pending = '';
  const flush = (): void => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    io.stdout(text);
  };
  return {
    start: () => undefined,
    listed: () => undefined,
    result: (r) => {
      if (pending === '') setImmediate(flush);
      pending += `${JSON.stringify({ database: r.name, ...resultFields(r) })}\n`;
    },
    stop: flush,
  };
}

/** cli-progress is loaded only for a terminal (and prom-client only for --metrics-file): start-up counts on re-runs. */
async function progressBar(): Promise<Progress> {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {bar} {value}/{total} | {rate} db/s | ETA {eta_formatted} | failures {failures}',
      hideCursor: true,
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = 0;
  let done = 0;
  let failures = 0;
  let total = 0;
  return {
    start: () => {
      started = performance.now();
      bar.start(total, 0, { rate: '0', failures: 0 });
    },
    listed: (count) => {
      total = count;
      if (started > 0) bar.setTotal(count);
    },
    result: (r) => {
      done++;
      if (r.outcome === 'failed') failures++;
      const seconds = (performance.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(0) : '0', failures });
    },
    stop: () => bar.stop(),
  };
}

function humanSummary(
  summary: RolloutSummary,
  results: readonly DatabaseResult[],
  groups: readonly PlanGroup[] | null,
): string {
  const lines: string[] = [];
  if (groups !== null) {
    for (const group of groups) {
      lines.push(
        `-- ${group.databases} database(s) from ${group.from ?? 'no version'} (schema ${group.fingerprint}), e.g. ${group.examples.slice(0, 3).join(', ')}: ${group.statements.length} statement(s)`,
      );
      lines.push(
        formatPlan({ steps: group.statements.map((s) => ({ ...s, destructive: false })), skipped: [], warnings: [] }),
      );
    }
  }
  for (const r of results) lines.push(...problemLines(r));
  const o = summary.outcomes;
  lines.push(
    `-- ${summary.databases} database(s) → ${summary.target} in ${(summary.durationMs / 1000).toFixed(2)} s: ` +
      `${o.applied} applied, ${o.up_to_date} up to date, ${o.planned} planned, ${o.failed} failed, ${o.ahead} ahead, ` +
      `${o.beyond_target} beyond target, ${o.not_attempted} not attempted; ${summary.plansComputed} plan(s) computed` +
      (summary.fromState === 0 ? '' : `; ${summary.fromState} known unchanged from the state file`) +
      (summary.stopped === null ? '' : `; stopped: ${summary.stopped}`),
  );
  return lines.join('\n');
}

/** The progress bar draws on stderr and needs a terminal on both streams. */
function onTerminal(): boolean {
  return process.stdout.isTTY === true && process.stderr.isTTY === true;
}

/** --data-dir's files, or (DB_PROVIDER=turso) the group's databases through the service's own provider. */
async function databaseSource(
  options: SyncAllOptions,
  io: Io,
): Promise<{ source: DatabaseSource; close: () => Promise<void>; local: boolean }> {
  if (options.dataDir !== undefined) {
    const dir = await stat(options.dataDir).catch(() => null);
    if (dir === null) throw new UsageError(`--data-dir: no directory at ${options.dataDir}`, false);
    if (!dir.isDirectory()) {
      const what = dir.isFile() ? 'a file, not a directory' : 'not a directory';
      throw new UsageError(`--data-dir: ${options.dataDir} is ${what}`, false);
    }
    return { source: localDirectorySource(options.dataDir), close: () => Promise.resolve(), local: true };
  }
  if (options.lanes === 'threads' || options.lanes === 'processes') {
    throw new UsageError(`--lanes ${options.lanes} is for file: databases; Turso databases sync on async lanes`, false);
  }
  // The service's configuration and provider modules load only for a remote fleet.
  const [{ ConfigError, loadConfig }, { createProvider }] = await Promise.all([
    import('../../lib/config/load.js'),
    import('../../lib/providers/create.js'),
  ]);
  let config;
  try {
    // A fleet run serves no tokens: the JWT settings production insists on do not apply here.
    config = loadConfig({ ...io.env, NODE_ENV: 'development' });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message, false);
    throw error;
  }
  const provider = createProvider(config);
  await provider.start?.();
  await provider.check();
  return { source: providerSource(provider), close: () => provider.close(), local: false };
}

async function runSyncAll(options: SyncAllOptions, io: Io): Promise<number> {
  const started = performance.now();
  let registry;
  let target;
  try {
    registry = await loadRegistry({ schemaDir: io.env['SCHEMA_DIR'] });
    target = resolveTarget(registry, options.to);
  } catch (error) {
    if (error instanceof TargetError) throw new UsageError(error.message, false);
    throw error;
  }
  const { source, close, local } = await databaseSource(options, io);
  const shard = options.shard;
  const state = local ? loadState(options.stateFile, io) : undefined;
  const machine = options.json || !onTerminal();
  const progress = machine ? jsonLines(io) : await progressBar();
  let rollout;
  try {
    // Local files are listed in full before any is opened (see lib/fleet/runner.ts); a provider's
    // listing is streamed, so its first databases sync while later pages are fetched.
    let databases: RolloutDatabases;
    if (local) {
      const all = await listAll(source);
      databases = shard === undefined ? all : all.filter((db) => inShard(db.name, shard));
    } else {
      databases = shard === undefined ? source.list() : onlyShard(source.list(), shard);
    }
    progress.start();
    rollout = await runRollout(databases, {
      versions: registry.versions,
      to: target.version,
      allowDestructive: options.allowDestructive,
      dryRun: options.dryRun,
      busyTimeoutMs: 5000,
      concurrency: options.concurrency,
      mode: options.lanes ?? (Array.isArray(databases) ? defaultMode(databases) : 'async'),
      canary: options.canary,
      maxFailures: options.maxFailures,
      state,
      onListed: (count) => progress.listed(count),
      onResult: (result) => progress.result(result),
    });
  } finally {
    progress.stop();
    await close();
  }
  for (const warning of rollout.warnings) io.stderr(`schema-sync sync-all: ${warning}\n`);
  // A dry run changes nothing, the state file included. A state file that cannot be written costs
  // the next run its shortcut, not this run its outcome.
  if (state !== undefined && !options.dryRun) {
    try {
      state.save();
    } catch (error) {
      io.stderr(`schema-sync sync-all: cannot write the state file ${state.path}: ${(error as Error).message}\n`);
    }
  }
  const summary = summarize(target.version, rollout, performance.now() - started);
  const groups = options.dryRun ? groupPlans(rollout) : null;
  if (options.report !== undefined)
    await writeFileAtomic(options.report, `${JSON.stringify(reportDocument(summary, rollout), null, 2)}\n`);
  if (options.metricsFile !== undefined) {
    const { writeMetricsFile } = await import('../../lib/fleet/metrics.js');
    await writeMetricsFile(options.metricsFile, rollout.results, summary);
  }
  if (machine) {
    const shard = options.shard === undefined ? {} : { shard: `${options.shard.index}/${options.shard.count}` };
    io.stdout(`${JSON.stringify({ summary: { ...summary, ...shard }, ...(groups === null ? {} : { groups }) })}\n`);
  } else {
    io.stdout(`${humanSummary(summary, rollout.results, groups)}\n`);
  }
  return summary.exitCode;
}

export const syncAllCommand: Command = {
  summary: 'bring every database of a fleet to the current (or a staged) schema version',
  synopsis: SYNOPSIS,
  options: OPTIONS,
  help: HELP,
  run: (values, io) => runSyncAll(readOptions(values, io), io),
};

/**
 * `schema-sync sync-all <argv>` without the dispatcher (bench, tests, embedding): parses the
 * arguments and returns the exit code.
 */
export async function syncAll(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let values: OptionValues;
  try {
    values = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        ...OPTIONS,
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    io.stderr(`schema-sync sync-all: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  if (values['help'] === true) {
    io.stderr(`Usage: schema-sync sync-all ${SYNOPSIS}\n${SYNC_ALL_EXIT_HELP}\n`);
    return EXIT.ok;
  }
  try {
    return await syncAllCommand.run(values, io);
  } catch (error) {
    return reportFailure(io, values['json'] === true, error, undefined);
  }
}
