/**
 * A stable split of the fleet: database `name` belongs to shard sha256(name) mod n. It depends on the
 * name alone, so n workers (e.g. a Kubernetes Indexed Job's completion indexes 0…n-1) partition the
 * fleet with no overlap and no gap, whatever order each one lists it in.
 */
import { createHash } from 'node:crypto';

export interface Shard {
  readonly index: number;
  readonly count: number;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (match === null) throw new Error(`--shard must be i/n (e.g. 0/4), not "${text}"`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index >= count) throw new Error(`--shard ${text}: need 0 ≤ i < n`);
  return { index, count };
}

export function shardOf(name: string, count: number): number {
  const digest = createHash('sha256').update(name).digest();
  return digest.readUInt32BE(0) % count;
}

export function inShard(name: string, shard: Shard): boolean {
  return shardOf(name, shard.count) === shard.index;
}

/** The databases of a stream that belong to `shard`, as they arrive. */
export async function* onlyShard<T extends { readonly name: string }>(
  databases: AsyncIterable<T>,
  shard: Shard,
): AsyncGenerator<T> {
  for await (const db of databases) if (inShard(db.name, shard)) yield db;
}
