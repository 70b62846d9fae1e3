// One vault, three devices, a sync folder in between (issue 15). Each device is its own profile (its own
// PUDDLEPROOF_HOME and keychain entries) with its own export folder and its own cloud folder; a real
// two-way sync (unison, hub and spoke, random order and delays: test/helpers/sync-loop.ts) joins the cloud
// folders as a consumer sync client would, so each device sees the others' files late, in pieces and in
// any order. A makes the vault, B and C join it with the recovery kit, and every device trusts every
// other's key. Then, round after round and on all devices at once while the sync runs, each device drops a
// new export of its own growing chat and of one chat all three share, backs up, and on some rounds prunes
// with --keep-last 2 --grace 0s (the margins of safe reclamation set to zero, so that packs can be
// reclaimed inside a test). Afterwards, with nothing written any more: settle, then every device in turn
// prunes and the sync settles, until a whole turn changes nothing (reclamation takes several: a
// collection is written, every device acknowledges it in a later run, then packs go). Then:
//   (a) every backup `list` shows restores byte for byte on every device, without the kit;
//   (b) what retention removed is freed: no pack is unused (none holds only chunks no kept backup needs),
//       and packs/ holds at most 1.6x the distinct content of the versions kept, besides the copies of
//       needed chunks that devices backing up the same export at the same moment each wrote;
//   (c) `verify` passes on every device: whatever conflict copies the sync made left no data unreadable.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deviceIdentities, openDevice } from '../../src/core/device.js';
import { checkVault } from '../../src/core/restore/vault-check.js';
import { makeSandbox, type RunResult, type Sandbox } from '../helpers/cli.js';
import { type SeriesVersion, writeExportSeries } from '../helpers/export-series.js';
import { packSpace } from '../helpers/multi-device-space.js';
import { sha256File } from '../helpers/processes.js';
import { conflictCopies, type SyncLoop, startSyncLoop } from '../helpers/sync-loop.js';

/** Rounds of concurrent backups and prunes. */
const ROUNDS = 5;
/** Keep the 2 newest backups of each chat (the default daily, weekly… rules keep only the newest, which
 * is among them); --grace 0s: no safety margin, so that reclamation completes within the test. */
const PRUNE = ['prune', '--keep-last', '2', '--grace', '0s'];
/** Whole turns of "every device prunes, then the sync settles" after the rounds, at most. */
const FINAL_TURNS = 4;
/** packs/ may hold at most this times the distinct content of the versions kept (see test (b)). */
const SPACE_FACTOR = 1.2;
const SEED = Number(process.env.PUDDLEPROOF_SYNC_SEED) || Math.floor(Math.random() * 2 ** 31);

const SHARED_NAME = 'WhatsApp Chat - Lake friends.zip';

interface Device {
  name: string;
  home: string;
  watch: string;
  cloud: string;
  /** CLOUD/Puddleproof: what the sync loop syncs. */
  vault: string;
  /** This device's own chat, one version per round. */
  own: SeriesVersion[];
  ownName: string;
  recipient: string;
}

/** An export as dropped into a watch folder, kept (in the series folder) to compare restores with. */
interface Made {
  path: string;
  sha256: string;
  exportName: string;
  version: SeriesVersion;
  /** Which series (its seed): media of one series with one id are the same bytes. */
  series: number;
}

interface Listed {
  id: string;
  exportName: string;
  chat: string | null;
  device: string;
  createdAt: string;
}

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} exited ${r.code} (sync seed ${SEED}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Runs `work` for every item at once and waits for all of them (none left running when one fails), then
 * fails with every failure. */
async function everyone<T>(items: readonly T[], work: (item: T, i: number) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(items.map(work));
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw new Error(failed.map((e) => e.message).join('\n---\n'));
}

/** Total bytes of the files directly in `dir`. */
async function folderBytes(dir: string): Promise<number> {
  let sum = 0;
  for (const name of await readdir(dir)) sum += (await stat(join(dir, name))).size;
  return sum;
}

/** Every file under `dir` with its size, sorted: a whole vault's state, to tell when a turn changed nothing. */
async function vaultState(dir: string): Promise<string> {
  const out: string[] = [];
  for (const p of await readdir(dir, { recursive: true })) {
    const s = await stat(join(dir, p)).catch(() => null);
    if (s?.isFile()) out.push(`${p} ${s.size}`);
  }
  return out.sort().join('\n');
}

describe('three devices, one vault, a sync folder between them', { concurrency: 1 }, () => {
  let sb: Sandbox;
  let sync: SyncLoop;
  let devices: Device[];
  let shared: SeriesVersion[];
  /** Every backup stored, by id: the export it was made from. */
  const made = new Map<string, Made>();
  const started = Date.now();

  const run = (d: Device, args: string[]) => sb.run(args, { home: d.home });

  /** Puts `version` into the device's watch folder as `name` (copied in under a hidden name, then renamed). */
  async function drop(d: Device, name: string, version: SeriesVersion): Promise<void> {
    const hidden = join(d.watch, `.incoming-${name}`);
    await copyFile(version.path, hidden);
    await rename(hidden, join(d.watch, name));
  }

  /** Backs up the device's watch folder; records what each stored backup was made from. */
  async function backUp(d: Device, dropped: Map<string, { version: SeriesVersion; series: number }>) {
    const r = ok(await run(d, ['backup']), `backup on ${d.name}`);
    for (const m of r.stdout.matchAll(/^stored (.+) as (\S+) \(/gm)) {
      const [, exportName = '', id = ''] = m;
      const from = dropped.get(exportName);
      assert.ok(from, `${d.name} stored ${exportName}, which it was not given`);
      made.set(id, {
        ...from,
        path: from.version.path,
        sha256: await sha256File(from.version.path),
        exportName,
      });
    }
    return r;
  }

  async function listJson(d: Device): Promise<Listed[]> {
    const r = ok(await run(d, ['list', '--json']), `list on ${d.name}`);
    assert.equal(r.stderr.trim(), '', `list on ${d.name} warns: ${r.stderr}`);
    return JSON.parse(r.stdout) as Listed[];
  }

  before(async () => {
    sb = await makeSandbox();
    const series = join(sb.root, 'series');
    // Small versions that share most of their content: a window of 4 media, 2 new per version, so each
    // version shares half its media with the one before and none with the one 2 versions back.
    shared = await writeExportSeries(join(series, 'shared'), {
      versions: ROUNDS + 1,
      firstBytes: 1_000_000,
      lastBytes: 3_000_000,
      seed: 42,
      fixedTimes: false,
      mediaWindow: 4,
    });
    devices = [];
    for (const [i, name] of ['A', 'B', 'C'].entries()) {
      const base = join(sb.root, `device-${name}`);
      const d: Device = {
        name,
        home: join(base, 'home'),
        watch: join(base, 'exports'),
        cloud: join(base, 'cloud'),
        vault: join(base, 'cloud', 'Puddleproof'),
        own: await writeExportSeries(join(series, `own-${name}`), {
          versions: ROUNDS,
          firstBytes: 1_000_000,
          lastBytes: 2_500_000,
          seed: 100 + i,
          fixedTimes: false,
          mediaWindow: 4,
        }),
        ownName: `WhatsApp Chat - ${name} and me.zip`,
        recipient: '',
      };
      await mkdir(d.watch, { recursive: true });
      await mkdir(d.cloud, { recursive: true });
      devices.push(d);
    }
  });

  after(async () => {
    try {
      await sync?.stop();
    } finally {
      await sb?.cleanup();
    }
  });

  test('A makes the vault, B and C join with the kit through the sync, and all trust each other', async (t) => {
    t.diagnostic(`sync seed ${SEED} (PUDDLEPROOF_SYNC_SEED=${SEED} repeats its choices)`);
    const [a, ...others] = devices as [Device, ...Device[]];
    const init = ['init', '--watch', a.watch, '--cloud', a.cloud, '--recovery-kit', sb.kit, '--device', 'A'];
    ok(await run(a, init), 'init on A');
    sync = await startSyncLoop({
      folders: devices.map((d) => d.vault),
      hub: join(sb.root, 'hub', 'Puddleproof'),
      stateDir: join(sb.root, 'unison-state'),
      seed: SEED,
    });
    await sync.settle();
    await everyone(others, async (d) => {
      const args = ['recover', '--cloud', d.cloud, '--watch', d.watch, '--recovery-kit', sb.kit];
      ok(await run(d, [...args, '--device', d.name]), `recover on ${d.name}`);
    });
    // Each device's own recipient is the one `recipients list` labels "This device (NAME)".
    await everyone(devices, async (d) => {
      const lines = ok(await run(d, ['recipients', 'list']), `recipients list on ${d.name}`).stdout;
      const mine = lines.split('\n').find((l) => l.includes(`This device (${d.name})`));
      assert.ok(mine, `${d.name}'s own recipient in:\n${lines}`);
      d.recipient = mine.split(/\s+/)[0] ?? '';
      assert.match(d.recipient, /^age1/);
    });
    // Each device put itself on the vault's trusted list when it joined; once that has synced, every device
    // applies the list (here with `devices`), so that it encrypts its backups to every other device.
    await sync.settle();
    await everyone(devices, async (d) => {
      const listed = JSON.parse(ok(await run(d, ['devices', '--json']), `devices on ${d.name}`).stdout) as {
        recipient: string;
      }[];
      assert.deepEqual(
        listed.map((e) => e.recipient).sort(),
        devices.map((o) => o.recipient).sort(),
        `${d.name} lists every device`,
      );
      const own = ok(await run(d, ['recipients', 'list']), `recipients list on ${d.name}`).stdout;
      for (const other of devices)
        assert.ok(own.includes(other.recipient), `${d.name} encrypts to ${other.name}`);
    });
    // The shared chat starts on A, and every device knows it before it backs up its own export of it.
    await drop(a, SHARED_NAME, shared[0] as SeriesVersion);
    await backUp(a, new Map([[SHARED_NAME, { version: shared[0] as SeriesVersion, series: 42 }]]));
    await sync.settle();
    for (const d of others) assert.equal((await listJson(d)).length, 1, `${d.name} sees A's first backup`);
  });

  test(`${ROUNDS} rounds: every device backs up and prunes at once while the folders sync`, async (t) => {
    assert.equal(made.size, 1, 'the vault was set up');
    const roundsStarted = Date.now();
    for (let round = 1; round <= ROUNDS; round++) {
      await everyone(devices, async (d, i) => {
        const sharedVersion = shared[round] as SeriesVersion;
        const ownVersion = d.own[round - 1] as SeriesVersion;
        await drop(d, SHARED_NAME, sharedVersion);
        await drop(d, d.ownName, ownVersion);
        await backUp(
          d,
          new Map([
            [SHARED_NAME, { version: sharedVersion, series: 42 }],
            [d.ownName, { version: ownVersion, series: 100 + i }],
          ]),
        );
        // Devices take turns: in each round some prune while the others only back up.
        if ((round + i) % 2 === 0) ok(await run(d, PRUNE), `prune on ${d.name} in round ${round}`);
      });
    }
    t.diagnostic(
      `${made.size} backups stored in ${ROUNDS} rounds, ${((Date.now() - roundsStarted) / 1000).toFixed(1)} s; ` +
        `sync: ${JSON.stringify(sync.stats)}`,
    );
  });

  test('after the rounds, every device prunes in turn until reclamation is done', async (t) => {
    await sync.settle();
    const hub = join(sb.root, 'hub', 'Puddleproof');
    let turns = 0;
    for (let turn = 1; turn <= FINAL_TURNS; turn++) {
      const before = await vaultState(hub);
      for (const d of devices) {
        ok(await run(d, PRUNE), `final prune on ${d.name}, turn ${turn}`);
        await sync.settle();
      }
      turns = turn;
      if ((await vaultState(hub)) === before) break;
    }
    t.diagnostic(`${turns} final turns; packs: ${await folderBytes(join(hub, 'packs'))} bytes`);
  });

  test('(a) every backup kept restores byte for byte on every device, without the kit', async (t) => {
    const lists = await Promise.all(devices.map(listJson));
    const ids = (l: Listed[]) => l.map((b) => b.id).sort();
    for (const [i, l] of lists.entries())
      assert.deepEqual(ids(l), ids(lists[0] ?? []), `${devices[i]?.name} lists what A lists`);
    const kept = lists[0] ?? [];
    assert.ok(kept.length > 0, 'something to restore');
    for (const b of kept) assert.ok(made.has(b.id), `${b.id} (${b.exportName}) is a backup this test made`);
    let restores = 0;
    await everyone(devices, async (d) => {
      for (const b of kept) {
        const to = join(sb.root, 'restored', d.name, b.id);
        const r = ok(await run(d, ['restore', b.id, '--to', to]), `restore ${b.id} on ${d.name}`);
        assert.match(r.stdout, /Verified/);
        const from = made.get(b.id) as Made;
        assert.deepEqual(await readdir(to), [from.exportName]);
        const got = await sha256File(join(to, from.exportName));
        assert.equal(got, from.sha256, `${b.id} restored on ${d.name} is the export it was made from`);
        await rm(to, { recursive: true });
        restores++;
      }
    });
    const chats = new Set(kept.map((b) => b.chat)).size;
    t.diagnostic(`${kept.length} backups of ${chats} chats kept of ${made.size} made; ${restores} restores`);
  });

  test('(b) the space of what retention removed is freed', async (t) => {
    // Not vacuous: retention did remove versions.
    const kept = await listJson(devices[0] as Device);
    assert.ok(kept.length < made.size, `retention removed backups (${kept.length} kept of ${made.size})`);
    // The distinct content of the versions kept: each media file once (media of one series with one id
    // are the same bytes, whichever version or device holds them), and each kept version's own bytes
    // (the chat text, the zip's headers and central directory), once per distinct version.
    const media = new Map<string, number>();
    const versions = new Map<string, number>();
    for (const b of kept) {
      const { version, series } = made.get(b.id) as Made;
      for (const m of version.media) media.set(`${series}/${m.id}`, m.bytes);
      versions.set(version.path, version.bytes - version.media.reduce((s, m) => s + m.bytes, 0));
    }
    const distinct = [...media.values(), ...versions.values()].reduce((s, n) => s + n, 0);
    for (const d of devices) {
      const device = await openDevice(d.home);
      const identities = deviceIdentities(device);
      const { backups, problems } = await device.vault.list(identities, device.secrets.authKey);
      assert.deepEqual(problems, [], `${d.name} reads every backup`);
      assert.equal(backups.length, kept.length, `${d.name} lists ${kept.length} backups`);
      const usage = await checkVault({
        vault: device.vault,
        backups,
        identities,
        authKey: device.secrets.authKey,
        missingLog: join(d.home, 'missing-since.json'),
      });
      const space = await packSpace(device.vault, backups, identities, device.secrets.authKey);
      const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
      t.diagnostic(
        `${d.name}: packs/ ${space.files} files, ${mb(space.bytes)} = ${(space.bytes / distinct).toFixed(2)}x ` +
          `the ${mb(distinct)} of distinct content kept; needed ${mb(space.neededOnce)} + copies ` +
          `${mb(space.copies)}, unneeded in used packs ${mb(space.unneeded)}, packs needed by nothing ` +
          `${space.idle.length} (${mb(space.idleBytes)}), strays ${space.strays.length} (${mb(space.strayBytes)}); ` +
          `verify: ${usage.unusedPacks} of ${usage.packs} unused`,
      );
      // No pack is unused, as verify counts them and as packSpace does (it looks at every copy).
      assert.equal(
        usage.unusedPacks,
        0,
        `${d.name}: ${usage.unusedPacks} of ${usage.packs} packs (${usage.unusedBytes} bytes) are used by no backup kept`,
      );
      assert.deepEqual(space.idle, [], `${d.name}: packs that hold no chunk a kept backup needs`);
      assert.deepEqual(space.strays, [], `${d.name}: files in packs/ that are no indexed pack`);
      // What only removed versions needed is gone, but for their few non-media bytes (chat text, zip
      // directory: a few kB each) in packs that also hold kept chunks; a whole removed version is 1-3 MB.
      assert.ok(
        space.unneeded <= 0.1 * distinct,
        `${d.name}: used packs still hold ${space.unneeded} bytes no kept backup needs`,
      );
      // The whole folder, against the distinct content kept: packs add each chunk's tar header and
      // padding, Padme padding (under 4 % at these sizes) and age's 16 bytes per 64 KiB; the rest is room
      // for the unneeded bytes above. Copies of needed chunks that devices wrote at the same moment (each
      // before the other's pack reached it) count too: prune reclaims a pack all of whose needed chunks
      // have copies in older packs, repacks its own packs that are at least half such copies, and copies
      // out what a condemned pack still holds for a backup (then deletes it); a few copies may stay in
      // packs that are mostly chunks of their own.
      assert.ok(
        space.copies <= 0.05 * distinct,
        `${d.name}: packs/ holds ${space.copies} bytes of copies of needed chunks`,
      );
      assert.ok(
        space.bytes <= SPACE_FACTOR * distinct,
        `${d.name}: packs/ holds ${space.bytes} bytes, more than ${SPACE_FACTOR} x the ${distinct} bytes of distinct content kept`,
      );
    }
  });

  test('(c) verify passes on every device; conflict copies left no data unreadable', async (t) => {
    const kept = (await listJson(devices[0] as Device)).length;
    for (const d of devices) {
      const copies = await conflictCopies(d.vault);
      if (copies.length > 0) t.diagnostic(`${d.name}'s vault has conflict copies: ${copies.join(', ')}`);
      const r = ok(await run(d, ['verify']), `verify on ${d.name}`);
      assert.match(r.stdout, new RegExp(`^${kept} of ${kept} backups verified\\.$`, 'm'));
    }
    // Every device's folder ended up as the hub's: one vault, seen alike.
    const vaults = await Promise.all(devices.map((d) => vaultState(d.vault)));
    for (const [i, v] of vaults.entries()) assert.equal(v, vaults[0], `${devices[i]?.name}'s folder`);
    t.diagnostic(
      `total ${((Date.now() - started) / 1000).toFixed(1)} s; sync: ${JSON.stringify(sync.stats)}`,
    );
  });
});
