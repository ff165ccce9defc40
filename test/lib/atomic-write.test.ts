/** lib/atomic-write.ts: the file is replaced whole, no temporary file stays behind, a failed write leaves nothing. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writeFileAtomic, writeFileAtomicSync } from '../../lib/atomic-write.js';

const writers: ReadonlyArray<readonly [string, (path: string, data: string) => Promise<void>]> = [
  ['writeFileAtomic', writeFileAtomic],
  ['writeFileAtomicSync', (path, data) => Promise.resolve().then(() => writeFileAtomicSync(path, data))],
];

for (const [name, write] of writers) {
  t.test(`${name} replaces the file whole and leaves no temporary file`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-sync-atomic-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'out.json');
    await write(path, 'first\n');
    t.equal(readFileSync(path, 'utf8'), 'first\n', 'a new file is written');
    writeFileSync(join(dir, 'other'), 'x');
    await write(path, 'second, longer than the first\n');
    t.equal(readFileSync(path, 'utf8'), 'second, longer than the first\n', 'an existing file is replaced');
    t.same(readdirSync(dir).sort(), ['other', 'out.json'], 'no temporary file is left');
    // The rename fails (a non-empty directory is in the way): the error surfaces, the temporary file goes.
    const blocked = join(dir, 'blocked');
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    await t.rejects(write(blocked, 'data'), 'a rename over a non-empty directory fails');
    t.same(readdirSync(dir).sort(), ['blocked', 'other', 'out.json'], 'and leaves no temporary file');
    await t.rejects(write(join(dir, 'missing', 'x.json'), 'data'), { code: 'ENOENT' }, 'a missing directory fails');
  });
}
