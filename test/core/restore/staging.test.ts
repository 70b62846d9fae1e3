// A failed restore removes its staging folder even when folders restored in it were already made read-only,
// and reports its own error. Root may change any folder, so the restore runs as an ordinary user (nobody,
// through util-linux's setpriv, when the tests run as root).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const NOBODY = 65534;
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'puddleproof-staging-'));
  await chmod(dir, 0o755); // the other user reads the script in it
});
after(() => rm(dir, { recursive: true, force: true }));

/** A restore into `to` whose work makes a read-only folder with a file in it, then fails. */
const script = (to: string) => `
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { restoreThroughStaging } from ${JSON.stringify(join(root, 'src/core/restore/restore.ts'))};
try {
  await restoreThroughStaging(${JSON.stringify(to)}, true, async (staging) => {
    await mkdir(join(staging, 'export', 'photos'), { recursive: true });
    await writeFile(join(staging, 'export', 'photos', 'a.jpg'), 'x');
    await chmod(join(staging, 'export'), 0o555);
    throw new Error('The pack broke.');
  });
  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, message: err.message, problem: err.problem }));
}
`;

test('a failed restore leaves no staging folder behind, also with a read-only folder in it', async () => {
  const parent = join(dir, 'restores');
  await mkdir(parent);
  const file = join(dir, 'restore-and-fail.mts');
  await writeFile(file, script(join(parent, 'new folder')));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chown(parent, NOBODY, NOBODY);
  const node = [process.execPath, '--import', 'tsx', file];
  const { stdout } = await run(
    asRoot ? 'setpriv' : (node[0] as string),
    asRoot ? [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...node] : node.slice(1),
    { cwd: root },
  );
  const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
  assert.equal(result.ok, false);
  assert.match(result.message, /The pack broke\. Nothing was restored\./, 'its own error, not the cleanup’s');
  assert.deepEqual(await readdir(parent), [], 'no staging folder, no destination');
});
