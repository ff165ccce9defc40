/** lib/cores.ts: the container's CPU quota caps the default worker count (cgroup v2 and v1). */
import t from 'tap';
import { cgroupCpuQuota, usableCores } from '../../lib/cores.js';

const files =
  (entries: Record<string, string>) =>
  (path: string): string | null =>
    entries[path] ?? null;

t.test('cgroup v2 cpu.max', async (t) => {
  t.equal(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '200000 100000\n' })), 2, 'two CPUs');
  t.equal(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '150000 100000' })), 2, '1.5 CPUs round up');
  t.equal(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '50000 100000' })), 1, 'half a CPU is still one worker');
  t.equal(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'max 100000' })), null, 'no quota');
});

t.test('cgroup v1 cfs quota', async (t) => {
  t.equal(
    cgroupCpuQuota(
      files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '400000', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }),
    ),
    4,
  );
  t.equal(
    cgroupCpuQuota(
      files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }),
    ),
    null,
    '-1 is no quota',
  );
  t.equal(cgroupCpuQuota(files({})), null, 'no cgroup files at all');
});

t.test('usable cores: the schedulable CPUs within the quota', async (t) => {
  t.equal(usableCores(files({ '/sys/fs/cgroup/cpu.max': '200000 100000' }), 64), 2, 'a 2-CPU pod on a 64-core node');
  t.equal(usableCores(files({ '/sys/fs/cgroup/cpu.max': '800000 100000' }), 2), 2, 'a quota above the CPUs there are');
  t.equal(usableCores(files({}), 6), 6, 'no quota: every schedulable CPU');
  t.ok(usableCores() >= 1, 'on this machine, at least one');
});
