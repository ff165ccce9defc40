/**
 * The version a rollout brings databases to. `--to` may name a version short of the registry's
 * current one (staged rollouts); the registry's `targetOf` builds the engine's target for any of its
 * versions. A worker thread receives the versions' plain data (a structured clone) and rebuilds
 * the same target from it.
 */
import semver from 'semver';
import type { LoadedSchemaVersion, SchemaRegistry } from '../../schema/registry.js';
import { targetOf } from '../../schema/target.js';
import type { SyncTarget } from '../sync.js';

export class TargetError extends Error {}

/** The engine's target for `to`, from the registry's versions alone. */
export function targetFromVersions(versions: readonly LoadedSchemaVersion[], to: string): SyncTarget {
  const version = versions.find((candidate) => candidate.version === to);
  const current = versions[versions.length - 1];
  if (version === undefined || current === undefined) throw new TargetError(`version ${to} is not in the schema registry`);
  const registry: SchemaRegistry = {
    versions,
    current,
    find: (wanted) => versions.find((candidate) => semver.valid(wanted) !== null && semver.eq(candidate.version, wanted)),
  };
  return targetOf(registry, version);
}

/** Resolves `--to` against the registry: a registry version, the current one when omitted. */
export function resolveTarget(registry: SchemaRegistry, to: string | undefined): LoadedSchemaVersion {
  if (to === undefined) return registry.current;
  if (semver.valid(to) === null) throw new TargetError(`--to must be a schema version such as 1.0.0, not "${to}"`);
  const found = registry.find(to);
  if (found === undefined) {
    throw new TargetError(`--to ${to}: not a version of the schema registry (${registry.versions.map((v) => v.version).join(', ')})`);
  }
  return found;
}
