/**
 * How many cores this process may really use. `os.availableParallelism()` counts the CPUs the
 * process may be scheduled on, not a container's CPU quota: a pod limited to 2 CPUs on a 64-core
 * node would start 64 fleet workers that share 2 cores' worth of time (and 64 processes' memory).
 * The quota is read from cgroup v2 (`cpu.max`) or v1 (`cpu.cfs_quota_us` / `cpu.cfs_period_us`).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export type ReadText = (path: string) => string | null;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** The CPU quota in cores (rounded up), or null when there is none. */
export function cgroupCpuQuota(read: ReadText = readText): number | null {
  const v2 = read('/sys/fs/cgroup/cpu.max')?.trim().split(/\s+/);
  if (v2 !== undefined && v2.length === 2) {
    const [quota, period] = v2.map(Number);
    if (v2[0] === 'max') return null;
    if (quota !== undefined && period !== undefined && quota > 0 && period > 0)
      return Math.max(1, Math.ceil(quota / period));
  }
  const quota = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')?.trim());
  const period = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us')?.trim());
  if (Number.isFinite(quota) && Number.isFinite(period) && quota > 0 && period > 0)
    return Math.max(1, Math.ceil(quota / period));
  return null;
}

/** The schedulable CPUs, capped by the container's CPU quota when there is one. */
export function usableCores(read: ReadText = readText, cpus: number = availableParallelism()): number {
  const quota = cgroupCpuQuota(read);
  return quota === null ? cpus : Math.max(1, Math.min(cpus, quota));
}
