/**
 * Plans shared across databases of one schema. The planner is a pure function of the introspected
 * model, the target and the plan options (which depend only on the recorded version), so databases
 * with the same recorded version, checksum and schema fingerprint (lib/snapshot.ts) have the same
 * plan: only the first of them is introspected and planned.
 */
import type { RecordedVersion } from './audit.js';
import type { Plan } from './plan/steps.js';

/** `<recorded version>|<its checksum>|<schema fingerprint>`: databases with one key share one plan. */
export function planKeyOf(recorded: RecordedVersion | null, fingerprint: string): string {
  return `${recorded?.version ?? '-'}|${recorded?.checksum ?? '-'}|${fingerprint}`;
}

/** Plans by plan key, made once each. */
export class PlanCache {
  readonly #plans = new Map<string, Plan>();
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
}
