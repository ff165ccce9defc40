/**
 * Where a fleet's databases come from. A source only lists; opening and syncing is the runner's.
 * The local source walks a directory; the Turso provider's group listing plugs in the same way.
 */
import { readdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '@libsql/client';
import type { DatabaseProvider } from '../providers/types.js';

export interface FleetDatabase {
  /** Stable, unique within the fleet: what shards hash and reports name. */
  readonly name: string;
  readonly url: string;
  readonly authToken?: string;
  /**
   * A provider's own client configuration (Turso: its fetch with the group token and the
   * hostname from the API). Not cloneable, so such databases sync on async lanes, never threads.
   */
  readonly config?: Config;
}

export interface DatabaseSource {
  list(): AsyncIterable<FleetDatabase>;
}

/** Every `*.db` file under `dataDir` (recursively); the name is its path relative to it, without `.db`. */
export function localDirectorySource(dataDir: string): DatabaseSource {
  const root = resolve(dataDir);
  return {
    async *list(): AsyncIterable<FleetDatabase> {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      const files = entries
        .filter((entry) => entry.isFile() && entry.name.endsWith('.db'))
        // `parentPath` is Node ≥ 20.12; `path` is the older spelling of the same field.
        .map((entry) => join((entry as { parentPath?: string }).parentPath ?? entry.path, entry.name))
        .sort();
      for (const file of files) {
        const name = relative(root, file).slice(0, -'.db'.length).split(sep).join('/');
        yield { name, url: pathToFileURL(file).href };
      }
    },
  };
}

/** Every database a provider lists (Turso: the databases of TURSO_GROUP, page by page). */
export function providerSource(provider: DatabaseProvider): DatabaseSource {
  return {
    async *list(): AsyncIterable<FleetDatabase> {
      for await (const listed of provider.listDatabases()) {
        const config = provider.clientConfig(listed);
        yield { name: listed.name, url: config.url, config };
      }
    },
  };
}

/**
 * Drains a source into an array sorted by name (local files: every one known before any is opened;
 * see runner.ts). Duplicate names are refused by the rollout, as they arrive.
 */
export async function listAll(source: DatabaseSource): Promise<FleetDatabase[]> {
  const out: FleetDatabase[] = [];
  for await (const db of source.list()) out.push(db);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
