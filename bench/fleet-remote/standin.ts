/**
 * The stand-in process of bench/fleet-remote: the Turso Platform API stand-in and one Hrana server
 * per database (test/support/), over real libSQL files, with the injected latency — in a process
 * of its own, so the CLI and the floor under measurement share neither its event loop nor its
 * memory. Driven over IPC by bench.ts (protocol.ts); exits when its parent goes away.
 *
 * The databases are copies of one template file registered with the Platform API stand-in, not
 * created through it: thousands are ready in seconds.
 */
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startTursoPlatform, type TursoPlatform } from '../../test/support/turso-platform.js';
import type { StandInAnswer, StandInCounts, StandInReady, StandInRequest } from './protocol.js';

const ORG = 'bench';

let platform: TursoPlatform | null = null;
let template = '';
let names: string[] = [];
let apiMark = 0;
let cpuMark = process.cpuUsage();

const databaseName = (i: number): string => `bench-${String(i).padStart(6, '0')}`;

function send(answer: StandInAnswer): void {
  process.send?.(answer);
}

function started(): TursoPlatform {
  if (platform === null) throw new Error('the stand-in is not set up');
  return platform;
}

function dbs(p: TursoPlatform) {
  return names.map((name) => {
    const db = p.databases.get(name);
    if (db === undefined) throw new Error(`database ${name} is gone`);
    return db;
  });
}

function resetCounters(p: TursoPlatform): void {
  apiMark = p.requests.length;
  cpuMark = process.cpuUsage();
  for (const db of p.databases.values()) db.hrana.resetServed();
}

async function setup(command: Extract<StandInRequest, { kind: 'setup' }>): Promise<StandInReady> {
  const t0 = performance.now();
  template = command.template;
  names = Array.from({ length: command.count }, (_, i) => databaseName(i));
  for (const name of names) copyFileSync(template, join(command.dir, `${name}.db`));
  const p = await startTursoPlatform({
    dir: command.dir,
    org: ORG,
    groups: [command.group],
    latencyMs: command.latencyMs,
    hranaKeepLog: false,
  });
  platform = p;
  for (const name of names) await p.register(name, command.group);
  resetCounters(p);
  return {
    url: p.url,
    org: p.org,
    apiToken: p.apiToken,
    group: command.group,
    groupToken: p.sign({ a: 'rw', gid: command.group, iat: Math.floor(Date.now() / 1000) }),
    databases: dbs(p).map((db) => ({ name: db.Name, host: db.Hostname, file: db.file })),
    setupMs: Math.round(performance.now() - t0),
  };
}

/** Waits for every stream to close (a client's, or expiry), then copies the template back over every file. */
async function reset(): Promise<number> {
  const p = started();
  const t0 = performance.now();
  const all = dbs(p);
  const open = (): number => all.reduce((sum, db) => sum + db.hrana.openStreams(), 0);
  // Streams expire after 10 s idle: anything left open by a client is gone by then.
  for (let waited = 0; open() > 0; waited += 100) {
    if (waited > 15_000) throw new Error(`${open()} Hrana stream(s) still open after 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const db of all) {
    rmSync(`${db.file}-journal`, { force: true });
    rmSync(`${db.file}-wal`, { force: true });
    rmSync(`${db.file}-shm`, { force: true });
    copyFileSync(template, db.file);
  }
  resetCounters(p);
  return Math.round(performance.now() - t0);
}

function counts(): StandInCounts {
  const p = started();
  const all = dbs(p);
  const api: Record<string, number> = {};
  for (const r of p.requests.slice(apiMark)) {
    const key = `${r.method} ${r.path.replace(/^databases\/[^/]+/, 'databases/{name}')}`;
    api[key] = (api[key] ?? 0) + 1;
  }
  const cpu = process.cpuUsage(cpuMark);
  const answer = {
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    hrana: all.map((db) => db.hrana.served()),
    api,
    openStreams: all.reduce((sum, db) => sum + db.hrana.openStreams(), 0),
  };
  resetCounters(p);
  return answer;
}

process.on('message', (message: StandInRequest) => {
  const { id } = message;
  const answer = async (): Promise<StandInAnswer> => {
    switch (message.kind) {
      case 'setup':
        return { id, kind: 'ready', ready: await setup(message) };
      case 'reset':
        return { id, kind: 'reset', ms: await reset() };
      case 'counts':
        return { id, kind: 'counts', counts: counts() };
      case 'memory':
        return {
          id,
          kind: 'memory',
          memory: {
            peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
            rssMb: Math.round(process.memoryUsage.rss() / 1024 / 1024),
          },
        };
    }
  };
  answer().then(send, (error: unknown) =>
    send({ id, kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});

process.on('disconnect', () => {
  const p = platform;
  platform = null;
  void (p === null ? Promise.resolve() : p.close()).finally(() => process.exit(0));
});
