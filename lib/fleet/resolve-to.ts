/**
 * The version a rollout brings databases to: `--to` may name a version short of the registry's
 * current one (staged rollouts). lib/target.ts builds the engine's target for it.
 */
import semver from 'semver';
import { TargetError, type SchemaVersion, type VersionList } from '../target.js';

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
