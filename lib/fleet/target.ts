/**
 * The version a rollout brings databases to. `--to` may name a version short of the registry's
 * current one (staged rollouts); `targetOf` builds the engine's target for any of the versions. A
 * worker thread receives the versions' plain data (a structured clone) and rebuilds the same
 * target from it.
 */
import semver from 'semver';
import type { SyncTarget } from '../sync.js';
import { targetOf, type SchemaVersion, type VersionList } from '../target.js';

export class TargetError extends Error {}

/** The engine's target for `to`, from the versions alone. */
export function targetFromVersions(versions: readonly SchemaVersion[], to: string): SyncTarget {
  const version = versions.find((candidate) => candidate.version === to);
  const current = versions[versions.length - 1];
  if (version === undefined || current === undefined)
    throw new TargetError(`version ${to} is not in the schema registry`);
  return targetOf({ versions, current }, version);
}

/** Resolves `--to` against the registry: one of its versions, the current one when omitted. */
export function resolveTarget(registry: VersionList, to: string | undefined): SchemaVersion {
  if (to === undefined) return registry.current;
  if (semver.valid(to) === null) throw new TargetError(`--to must be a schema version such as 1.0.0, not "${to}"`);
  const found = registry.versions.find((candidate) => semver.eq(candidate.version, to));
  if (found === undefined) {
    throw new TargetError(
      `--to ${to}: not a version of the schema registry (${registry.versions.map((v) => v.version).join(', ')})`,
    );
  }
  return found;
}
