/**
 * Plans shared across databases of one schema. The planner is a pure function of the introspected
 * model, the target and the plan options (which depend only on the recorded version), so databases
 * with the same recorded version, checksum and schema fingerprint (lib/snapshot.ts) have the same
 * plan: only the first of them is introspected and planned, and lanes that miss the cache at once
 * for one key wait for that first one instead of introspecting each.
 *
 * It also remembers the plan last applied, with what it was applied from (the version row and the
 * schema text), so that a remote database of the same group can be migrated blind in one request:
 * a batch that proves both inside its transaction before it applies (lib/apply.ts `applyProven`).
 * Most of a fleet shares one schema; where guessing keeps missing, it stops guessing.
 */
import type { RecordedVersion } from './audit.js';
import type { Plan } from './plan/steps.js';

/** `<recorded version>|<its checksum>|<schema fingerprint>`: databases with one key share one plan. */
export function planKeyOf(recorded: RecordedVersion | null, fingerprint: string): string {
  return `${recorded?.version ?? '-'}|${recorded?.checksum ?? '-'}|${fingerprint}`;
}

/** A database at a recorded version, with the schema its plan was made from. */
export interface ProofOfState {
  readonly from: { readonly version: string; readonly checksum: string };
  /** sqlite_schema as SCHEMA_TEXT_SQL renders it. */
  readonly schemaText: string;
}

/**
 * What a blind apply must prove before it runs a plan: the database is where the plan was made
 * from — at a recorded version with a known schema, or (`from: null`) empty: no version row and
 * no objects but the engine's own bookkeeping (a database its caller has just created).
 */
export type PlanProof = ProofOfState | { readonly from: null };

/** The plan to try blind, and the proof it needs. */
export interface Speculation {
  readonly planKey: string;
  readonly plan: Plan;
  readonly proof: ProofOfState;
}

export class PlanCache {
  readonly #plans = new Map<string, Plan>();
  readonly #making = new Map<string, Promise<Plan | null>>();
  #speculation: Speculation | null = null;
  /** Blind applies that proved right and wrong since the speculation was last set. */
  #hits = 0;
  #misses = 0;
  /** Plans made (not found) so far. */
  computed = 0;

  peek(key: string): Plan | undefined {
    return this.#plans.get(key);
  }

  get(key: string, make: () => Plan): Plan {
    let found = this.#plans.get(key);
    if (found === undefined) {
      found = make();
      this.#plans.set(key, found);
      this.computed++;
    }
    return found;
  }

  /**
   * The plan for `key`, made by `make` once however many callers miss at once; null when `make`
   * found the schema moving (each caller then starts over).
   */
  async getOrMake(key: string, make: () => Promise<Plan | null>): Promise<Plan | null> {
    const found = this.#plans.get(key);
    if (found !== undefined) return found;
    let making = this.#making.get(key);
    if (making === undefined) {
      making = make().then((plan) => {
        if (plan !== null && !this.#plans.has(key)) {
          this.#plans.set(key, plan);
          this.computed++;
        }
        return plan;
      });
      this.#making.set(key, making);
      void making.finally(() => this.#making.delete(key)).catch(() => undefined);
    }
    return making;
  }

  /** What to try blind next, or null while guessing misses more often than it hits. */
  speculation(): Speculation | null {
    return this.#speculation !== null && this.#hits >= this.#misses ? this.#speculation : null;
  }

  /**
   * A plan was applied the long way from a known state: the next database is likely in the same
   * one, unless the current guess keeps proving right (one odd database does not unseat it).
   */
  applied(speculation: Speculation): void {
    if (
      this.#speculation === null ||
      (this.#speculation.planKey !== speculation.planKey && this.#misses >= this.#hits)
    ) {
      this.#speculation = speculation;
      this.#hits = 1;
      this.#misses = 0;
    }
  }

  /** How a blind apply went: proven (applied) or not (it changed nothing). */
  guessed(proven: boolean): void {
    if (proven) this.#hits++;
    else this.#misses++;
  }
}
