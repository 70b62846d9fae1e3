// Eight successive exports of one growing WhatsApp chat (150 → 200 MB zips), backed up one after another by
// Puddleproof (vault format 2), restic and borg from a watch folder that holds only the current export: the
// repository's size on disk after the series, against the distinct content and against one whole copy per
// version (what format 1 stores), and the total backup time. Once with one fixed member time in every zip,
// once with each export writing its own member times.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, link, lstat, mkdir, mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { initVault } from '../src/core/device.js';
import { deleteVaultSecrets } from '../src/core/keys/vault-secrets.js';
import {
  distinctContentBytes,
  type SeriesVersion,
  writeExportSeries,
} from '../test/helpers/export-series.js';
import type { SectionResult } from './run.js';

const run = promisify(execFile);
const MB = 1e6;
const log = (message: string) => process.stderr.write(`  ${message}\n`);

/** One fixed DOS time in every zip member, or each export's own member times (as a phone writes them). */
export type SeriesKind = 'fixed' | 'own';
const KINDS: Record<SeriesKind, string> = { fixed: 'fixed member times', own: 'own member times' };
const SERIES = { versions: 8, firstBytes: 150 * MB, lastBytes: 200 * MB, seed: 2026 };
/** The name of the export in the watch folder, the same for every version. */
const EXPORT_NAME = 'WhatsApp Chat - Lake friends.zip';

export interface SeriesFixture {
  /** A temporary folder holding the series; the caller removes it. */
  dir: string;
  versions: SeriesVersion[];
  /** Bytes of distinct content over the series (see distinctContentBytes). */
  distinct: number;
}

/** The series the bench backs up: the same files, byte for byte, at every call for the same kind. */
export async function seriesFixture(kind: SeriesKind): Promise<SeriesFixture> {
  const dir = await mkdtemp(join(tmpdir(), `puddleproof-bench-series-${kind}-`));
  const versions = await writeExportSeries(join(dir, 'exports'), { ...SERIES, fixedTimes: kind === 'fixed' });
  return { dir, versions, distinct: distinctContentBytes(versions) };
}

interface Peer {
  name: string;
  /** The tool's part of the value names, e.g. `ownResticBytes`. */
  key: string;
  /** Environment for the tool: its passphrase, its cache under `work`. */
  env(work: string): NodeJS.ProcessEnv;
  init(repo: string): string[];
  backup(repo: string, source: string, version: number): string[];
}

const PEERS: Peer[] = [
  {
    name: 'restic',
    key: 'Restic',
    env: (work) => ({ RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: join(work, 'cache') }),
    init: (repo) => ['init', '--quiet', '--repo', repo],
    backup: (repo, source) => ['backup', '--quiet', '--repo', repo, source],
  },
  {
    name: 'borg',
    key: 'Borg',
    env: (work) => ({ BORG_PASSPHRASE: 'bench', BORG_BASE_DIR: join(work, 'base') }),
    init: (repo) => ['init', '--encryption=repokey-blake2', repo],
    backup: (repo, source, version) => ['create', `${repo}::v${version}`, source],
  },
];

/** The tool's path on PATH, or null. */
async function findTool(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** Sum of the sizes of the files under `dir`. */
async function bytesOnDisk(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await lstat(join(entry.parentPath ?? entry.path, entry.name))).size;
  }
  return total;
}

/** Backs the versions up in order from a watch folder holding only the current one. */
async function backUpSeries(
  tool: string,
  peer: Peer,
  versions: SeriesVersion[],
  work: string,
): Promise<{ bytes: number; seconds: number }> {
  const repo = join(work, 'repo');
  const watch = join(work, 'watch');
  await mkdir(watch, { recursive: true });
  const options = { env: { ...process.env, ...peer.env(work) }, maxBuffer: 16 * 1024 * 1024 };
  await run(tool, peer.init(repo), options);
  let seconds = 0;
  for (const [i, v] of versions.entries()) {
    const current = join(watch, EXPORT_NAME);
    await unlink(current).catch(() => undefined);
    await link(v.path, current);
    const start = performance.now();
    await run(tool, peer.backup(repo, watch, i + 1), options);
    seconds += (performance.now() - start) / 1000;
    log(`${peer.name}: version ${i + 1}/${versions.length} backed up`);
  }
  return { bytes: await bytesOnDisk(repo), seconds };
}

/**
 * Backs the versions up in order with the `puddleproof backup PATH` command (the bundled CLI a user runs, a
 * process per backup, as restic and borg run), then reads what each uploaded from `list --json`.
 */
async function backUpSeriesWithPuddleproof(
  versions: SeriesVersion[],
  work: string,
): Promise<{ bytes: number; seconds: number; uploaded: number[] }> {
  const watch = join(work, 'watch');
  const cloud = join(work, 'cloud');
  await mkdir(watch, { recursive: true });
  await mkdir(cloud, { recursive: true });
  const home = join(work, 'home');
  const device = await initVault({ home, watchDir: watch, cloudDir: cloud, kitPath: join(work, 'kit.txt') });
  const cli = join(import.meta.dirname, '..', 'bin', 'puddleproof.js');
  const options = {
    env: { ...process.env, PUDDLEPROOF_HOME: home, PUDDLEPROOF_WRITE_FORMAT: '2' },
    maxBuffer: 16 * 1024 * 1024,
  };
  try {
    let seconds = 0;
    for (const [i, v] of versions.entries()) {
      const current = join(watch, EXPORT_NAME);
      await unlink(current).catch(() => undefined);
      await link(v.path, current);
      const start = performance.now();
      await run(process.execPath, [cli, 'backup', current], options);
      seconds += (performance.now() - start) / 1000;
      log(`puddleproof: version ${i + 1}/${versions.length} backed up`);
    }
    const { stdout } = await run(process.execPath, [cli, 'list', '--json'], options);
    const listed = JSON.parse(stdout) as { uploadedBytes: number | null }[];
    if (listed.length !== versions.length)
      throw new Error(`${listed.length} backups for ${versions.length} versions`);
    const uploaded = listed.map((b) => b.uploadedBytes ?? 0);
    return { bytes: await bytesOnDisk(join(cloud, 'Puddleproof')), seconds, uploaded };
  } finally {
    await deleteVaultSecrets(device.store);
  }
}

const mb = (bytes: number) => `${Math.round(bytes / MB)} MB`;
const times = (bytes: number, distinct: number) => `${(bytes / distinct).toFixed(2)}x distinct content`;

export async function series(): Promise<SectionResult> {
  const values: Record<string, number> = {};
  const rows: [string, string, string][] = [];
  const tools = new Map(await Promise.all(PEERS.map(async (p) => [p.name, await findTool(p.name)] as const)));
  for (const kind of ['fixed', 'own'] as const) {
    log(`writing ${SERIES.versions} exports, ${KINDS[kind]}…`);
    const fixture = await seriesFixture(kind);
    try {
      const sum = fixture.versions.reduce((total, v) => total + v.bytes, 0);
      values[`${kind}DistinctBytes`] = fixture.distinct;
      values[`${kind}VersionsBytes`] = sum;
      rows.push(
        [`distinct content, ${KINDS[kind]}`, mb(fixture.distinct), `${SERIES.versions} exports of one chat`],
        [`format 1, ${KINDS[kind]}`, mb(sum), `${times(sum, fixture.distinct)}; one whole copy per version`],
      );
      const own = await backUpSeriesWithPuddleproof(fixture.versions, join(fixture.dir, 'puddleproof'));
      await rm(join(fixture.dir, 'puddleproof'), { recursive: true, force: true });
      values[`${kind}PuddleproofBytes`] = own.bytes;
      values[`${kind}PuddleproofSeconds`] = Math.round(own.seconds * 10) / 10;
      const later = own.uploaded.slice(1);
      rows.push([
        `puddleproof (format 2), ${KINDS[kind]}`,
        mb(own.bytes),
        `${times(own.bytes, fixture.distinct)} (target <= 1.15x: ${own.bytes <= 1.15 * fixture.distinct ? 'met' : 'NOT MET'}); ` +
          `total backup ${own.seconds.toFixed(1)} s; versions 2-${SERIES.versions} uploaded ` +
          `${mb(Math.min(...later))}-${mb(Math.max(...later))} each`,
      ]);
      for (const peer of PEERS) {
        const tool = tools.get(peer.name);
        const label = `${peer.name}, ${KINDS[kind]}`;
        if (!tool) {
          rows.push([label, 'not installed', `${peer.name} is not on PATH: skipped`]);
          continue;
        }
        const work = join(fixture.dir, peer.name);
        const { bytes, seconds } = await backUpSeries(tool, peer, fixture.versions, work);
        await rm(work, { recursive: true, force: true });
        values[`${kind}${peer.key}Bytes`] = bytes;
        values[`${kind}${peer.key}Seconds`] = Math.round(seconds * 10) / 10;
        const speed = own.seconds / seconds;
        rows.push([
          label,
          mb(bytes),
          `${times(bytes, fixture.distinct)}; total backup ${seconds.toFixed(1)} s` +
            (peer.name === 'restic'
              ? `; puddleproof took ${speed.toFixed(2)}x restic's time (target <= 0.5x: ${speed <= 0.5 ? 'met' : 'NOT MET'})`
              : ''),
        ]);
      }
    } finally {
      await rm(fixture.dir, { recursive: true, force: true });
    }
  }
  return { values, rows };
}
