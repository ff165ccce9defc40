/**
 * Version policy: what the engine's `SyncTarget` means for an ordered list of schema versions (the
 * application's registry, schema/registry.ts, is one). Semver order, "is current" (same version
 * and same checksum), refusing a database that is ahead, and merging the renames, drop allowances
 * and data steps of the versions a database crosses all live here, so the engine's sync only ever
 * sees a desired schema, plan options and an audit row. Plain data in, so a worker thread can
 * rebuild the same target from a structured clone of the versions.
 */
import semver from 'semver';
import { SCHEMA_VERSION_TABLE, type RecordedVersion } from './audit.js';
import type { DataStep, DropAllowance } from './plan/planner.js';
import type { DatabaseSchema } from './model.js';
import { composeRenames } from './plan/rename-chain.js';
import type { Renames } from './plan/renames.js';
import type { Standing, VersionTarget } from './sync.js';

/** One schema version as the policy needs it (schema/registry.ts's loaded versions are these). */
export interface SchemaVersion {
  readonly version: string;
  readonly description: string;
  readonly createdAt: string;
  readonly desired: DatabaseSchema;
  /** sha256 of the normalised desired schema. */
  readonly checksum: string;
  readonly renames: Renames;
  readonly dataSteps: readonly string[];
  readonly allowDrops: DropAllowance;
}

/** Versions ascending by semver, the last one current. */
export interface VersionList {
  readonly versions: readonly SchemaVersion[];
  readonly current: SchemaVersion;
}

function mergeAllowances(versions: readonly SchemaVersion[]): DropAllowance {
  const columns: Record<string, string[]> = {};
  for (const version of versions) {
    for (const [table, names] of Object.entries(version.allowDrops.columns ?? {}))
      columns[table] = [...(columns[table] ?? []), ...names];
  }
  const list = (key: 'tables' | 'indexes' | 'views' | 'triggers'): string[] =>
    versions.flatMap((version) => version.allowDrops[key] ?? []);
  return {
    tables: list('tables'),
    indexes: list('indexes'),
    views: list('views'),
    triggers: list('triggers'),
    columns,
  };
}

/** Hints of consecutive versions composed: `b ← a` then `c ← b` is `c ← a` for a database that crosses both. */
function mergeRenames(versions: readonly SchemaVersion[]): Renames {
  return composeRenames(versions.map((version) => version.renames));
}

/**
 * Where a recorded version stands against `version`, with `latest` the application's newest: the
 * one place "is current" is decided. Past `version` but not past `latest` is beyond a staged target.
 */
export function standingAgainst(
  version: SchemaVersion,
  recorded: RecordedVersion | null,
  latest: string = version.version,
): Standing {
  if (recorded === null) return { kind: 'behind' };
  if (semver.valid(recorded.version) === null) {
    return {
      kind: 'unrecognised',
      reason: `table ${SCHEMA_VERSION_TABLE} records version ${JSON.stringify(recorded.version)} (row ${recorded.id}), which is not a semantic version`,
    };
  }
  if (semver.gt(recorded.version, latest)) return { kind: 'ahead' };
  if (semver.gt(recorded.version, version.version)) return { kind: 'beyond_target' };
  return recorded.version === version.version && recorded.checksum === version.checksum
    ? { kind: 'current' }
    : { kind: 'behind' };
}

/** The target that brings a database to `version` of the registry (the current one by default). */
export function targetOf(registry: VersionList, version: SchemaVersion = registry.current): VersionTarget {
  const upTo = registry.versions.filter((candidate) => semver.lte(candidate.version, version.version));
  /** The versions a database at `from` crosses on its way to the target: after `from`, up to the target. */
  const crossed = (from: string | null): SchemaVersion[] =>
    upTo.filter((candidate) => from === null || semver.valid(from) === null || semver.gt(candidate.version, from));
  return {
    version: version.version,
    desired: version.desired,
    standing: (recorded) => standingAgainst(version, recorded, registry.current.version),
    planOptions(from) {
      const versions = crossed(from);
      const dataSteps: DataStep[] = versions.flatMap((crossing) =>
        crossing.dataSteps.map((sql) => ({ version: crossing.version, sql })),
      );
      return { allowDrops: mergeAllowances(versions), renames: mergeRenames(versions), dataSteps };
    },
    audit: (from, appliedAt) => ({
      version: version.version,
      description: version.description,
      createdAt: version.createdAt,
      appliedAt,
      checksum: version.checksum,
      previousVersion: from,
    }),
  };
}

export class TargetError extends Error {}

/**
 * The target for `to`, from the versions' plain data alone (ascending; the last is the newest):
 * what a worker rebuilds from the structured clone of the registry's versions it receives.
 */
export function targetFromVersions(versions: readonly SchemaVersion[], to: string): VersionTarget {
  const version = versions.find((candidate) => candidate.version === to);
  const current = versions[versions.length - 1];
  if (version === undefined || current === undefined)
    throw new TargetError(`version ${to} is not in the schema registry`);
  return targetOf({ versions, current }, version);
}
