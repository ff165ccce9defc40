/**
 * server.ts as a real process (under tsx, on a 127.0.0.1 port of its choosing), for the tests that
 * send it signals: a clean environment plus `env`, its output kept, its exit awaited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import fastifyJwt from '@fastify/jwt';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** stdout and stderr so far, interleaved. */
  output(): string;
}

export async function startServerProcess(env: Record<string, string>, startMs = 30_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: root,
    // Nothing inherited that could configure the service.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + startMs;
  for (;;) {
    const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
    if (match) return { child, port: Number(match[1]), exited, output: () => output };
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Signs HS256 tokens with `secret`, as the service verifies them (@fastify/jwt). */
export async function tokenSigner(secret: string): Promise<(sub: string) => string> {
  const signer = Fastify({ logger: false });
  await signer.register(fastifyJwt, { secret });
  await signer.ready();
  return (sub) => signer.jwt.sign({ sub }, { expiresIn: '10m' });
}
