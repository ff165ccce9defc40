/**
 * The version a rollout brings databases to. `--to` may name a version short of the registry's
 * current one (staged rollouts): the engine plans toward `registry.current`, so the fleet hands it
 * a view of the registry that ends at the target. The view is built from the versions' plain data,
 * so a worker thread can rebuild it from a structured clone.
 */
import semver from 'semver';
import type { LoadedSchemaVersion, SchemaRegistry } from '../../schema/registry.js';

export class TargetError extends Error {}

/** The registry as if `to` were its newest version (every version up to and including it). */
export function registryEndingAt(versions: readonly LoadedSchemaVersion[], to: string): SchemaRegistry {
  const kept = versions.filter((version) => semver.lte(version.version, to));
  const current = kept[kept.length - 1];
  if (current === undefined || current.version !== to) throw new TargetError(`version ${to} is not in the schema registry`);
  return {
    versions: kept,
    current,
    find: (version) => kept.find((candidate) => semver.valid(version) !== null && semver.eq(candidate.version, version)),
    dataStepsBetween: (from, upTo) => kept
      .filter((version) => (from === null || semver.gt(version.version, from)) && semver.lte(version.version, upTo))
      .flatMap((version) => version.dataSteps.map((sql) => ({ version: version.version, sql }))),
  };
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
