// A real two-way sync between several folders, standing in for a consumer sync client (Dropbox, iCloud
// Drive, OneDrive, Google Drive): Debian's `unison` (/usr/bin/unison) joins each device's folder to one hub
// folder (the "cloud service"), hub and spoke, pass after pass, in a random device order with random small
// pauses between passes. Most passes sync only a random part of a folder (some top-level entries whole,
// some single files), so other devices' files arrive late and in any order: a snapshot before its packs, a
// deletion before the metadata that explains it. `settle()` runs full passes until nothing changes; tests
// wait for that event, never for a fixed delay.
//
// What unison does here is what sync clients do: conflicting changes are settled by the newer side
// (`-prefer newer`), the other side is kept as a conflict copy (`-copyonconflict`: "NAME (conflict_on_DATE)",
// synced like any file), deletions of whole folders are not questioned (`-confirmbigdel=false`), and files
// that change while they are copied are skipped and tried again on a later pass. Unison's archives, locks and
// log live in a state folder of their own (the UNISON environment variable), outside every synced folder;
// its only files inside them are the temporary copies it makes while a file transfers
// (".unison.NAME.HASH.unison.tmp"), which unison never syncs and renames into place. A failed transfer can
// leave one behind: each pass removes those of its two folders once unison has exited, and `settle()`
// checks that none is left anywhere.
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const UNISON = '/usr/bin/unison';

export interface SyncLoopOptions {
  /** Each device's synced folder (e.g. CLOUD/Puddleproof): only what is inside is synced. Created if missing. */
  folders: readonly string[];
  /** The hub (the cloud service's copy); created if missing. */
  hub: string;
  /** Seeds the device order, the pauses and which parts each pass syncs (reported with every failure). */
  seed: number;
  /** Unison's archives and log (UNISON); default: a folder next to the hub, outside every synced folder. */
  stateDir?: string;
  /** Longest random pause after a background pass, in ms (default 80). */
  maxPauseMs?: number;
  /** Share of background passes that sync a random part of the folder rather than all of it (default 0.6). */
  partialShare?: number;
  /** Full rounds `settle()` runs at most before it gives up and fails (default 60). */
  maxSettleRounds?: number;
}

/** What the loop has done so far (for a test's report). */
export interface SyncStats {
  passes: number;
  partialPasses: number;
  /** Passes that copied, updated or deleted something. */
  changing: number;
  /** Passes unison ended with 1 (something skipped) or 2 (a non-fatal failure): tried again later. */
  retried: number;
  /** unison's temporary files left behind by failed transfers, removed after their pass. */
  tempsRemoved: number;
  settles: number;
}

export interface SyncLoop {
  /** Full passes over every device until two rounds in a row change nothing; rejects on a fatal error. */
  settle(): Promise<void>;
  /** Ends the background passes after the current one; rejects if the loop stopped on a fatal error. */
  stop(): Promise<void>;
  readonly stats: SyncStats;
  /** The unison state folder (archives, log). */
  readonly stateDir: string;
}

interface PassResult {
  /** Unison said "Nothing to do" and exited 0. */
  quiet: boolean;
  code: number;
}

export class SyncFatalError extends Error {}

/** mulberry32 */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const inside = (child: string, parent: string) => child === parent || child.startsWith(parent + sep);

/** Names in `dir` (none if it is missing), without unison's own temporary files. */
async function names(dir: string): Promise<string[]> {
  const all = await readdir(dir).catch(() => [] as string[]);
  return all.filter((n) => !isUnisonTemp(n));
}

function isUnisonTemp(name: string): boolean {
  return name.startsWith('.unison.') && name.endsWith('.unison.tmp');
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** unison's temporary files left anywhere under `dir`. */
async function leftoverTemps(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((p) => isUnisonTemp(basename(p))).map((p) => join(dir, p));
}

/** Every file under `dir` (relative path, size, mtime in whole seconds), sorted: what convergence compares. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of await readdir(dir, { recursive: true })) {
    if (isUnisonTemp(basename(p))) continue;
    const s = await stat(join(dir, p)).catch(() => null);
    if (!s) continue;
    out.push(s.isDirectory() ? `${p}/` : `${p} ${s.size} ${Math.floor(s.mtimeMs / 1000)}`);
  }
  return out.sort();
}

export async function startSyncLoop(opts: SyncLoopOptions): Promise<SyncLoop> {
  const folders = opts.folders.map((f) => resolve(f));
  const hub = resolve(opts.hub);
  const stateDir = resolve(opts.stateDir ?? join(dirname(hub), `.unison-state-${basename(hub)}`));
  const all = [...folders, hub];
  for (const [i, a] of all.entries())
    for (const b of all.slice(i + 1))
      if (inside(a, b) || inside(b, a)) throw new Error(`synced folders overlap: ${a} and ${b}`);
  for (const f of all)
    if (inside(stateDir, f) || inside(f, stateDir))
      throw new Error(`unison's state folder ${stateDir} overlaps the synced folder ${f}`);
  for (const f of all) await mkdir(f, { recursive: true });
  await mkdir(stateDir, { recursive: true });

  const next = random(opts.seed);
  const maxPause = opts.maxPauseMs ?? 80;
  const partialShare = opts.partialShare ?? 0.6;
  const maxRounds = opts.maxSettleRounds ?? 60;
  const stats: SyncStats = {
    passes: 0,
    partialPasses: 0,
    changing: 0,
    retried: 0,
    tempsRemoved: 0,
    settles: 0,
  };
  const env = { ...process.env, UNISON: stateDir };
  const logfile = join(stateDir, 'unison.log');
  let fatal: Error | null = null;
  let stopping = false;

  /** One unison run at a time: every pass goes through the hub, as every upload goes through the service. */
  let tail: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  }

  function unison(folder: string, paths: readonly string[]): Promise<{ code: number; out: string }> {
    const args = [
      folder,
      hub,
      '-batch',
      '-auto',
      '-times',
      '-confirmbigdel=false',
      '-prefer',
      'newer',
      '-copyonconflict',
      '-ui',
      'text',
      '-dumbtty',
      '-color',
      'false',
      '-logfile',
      logfile,
      ...paths.flatMap((p) => ['-path', p]),
    ];
    return new Promise((done, fail) => {
      const child = spawn(UNISON, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const keep = (chunk: Buffer) => {
        out = (out + chunk.toString()).slice(-8000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('error', fail);
      child.on('close', (code, signal) => done({ code: code ?? (signal ? 128 : 3), out }));
    });
  }

  /** Paths for a partial pass: some top-level entries whole, some single files inside the folders. */
  async function partialPaths(folder: string): Promise<string[]> {
    const top = [...new Set([...(await names(folder)), ...(await names(hub))])].sort();
    const paths: string[] = [];
    for (const name of top) {
      const r = next();
      if (r < 0.3) {
        paths.push(name);
        continue;
      }
      if (r < 0.5) continue;
      // Some files of this folder, if it is one on either side.
      if (!(await isDir(join(folder, name))) && !(await isDir(join(hub, name)))) continue;
      const children = [
        ...new Set([...(await names(join(folder, name))), ...(await names(join(hub, name)))]),
      ];
      for (const child of children) if (next() < 0.35) paths.push(`${name}/${child}`);
    }
    return paths.slice(0, 200);
  }

  async function pass(i: number, partial: boolean): Promise<PassResult> {
    const folder = folders[i] as string;
    const paths = partial ? await partialPaths(folder) : [];
    if (partial && paths.length === 0) return { quiet: true, code: 0 };
    const { code, out } = await unison(folder, paths);
    // A transfer that fails (the file changed or went away while unison copied it: a vault object's
    // temporary file renamed into place) can leave unison's temporary copy behind, under a name unison
    // never syncs nor revisits. No unison runs now, so every such file in these two roots is a leftover:
    // tidied away, as a sync client keeps its own files out of the folder.
    for (const temp of [...(await leftoverTemps(folder)), ...(await leftoverTemps(hub))]) {
      await rm(temp, { force: true });
      stats.tempsRemoved++;
    }
    stats.passes++;
    if (partial) stats.partialPasses++;
    if (code === 1 || code === 2) {
      stats.retried++;
      return { quiet: false, code };
    }
    if (code !== 0) {
      throw new SyncFatalError(
        `unison ${folder} <-> ${hub} failed fatally (exit ${code}, seed ${opts.seed}):\n${out}`,
      );
    }
    const quiet = /Nothing to do/.test(out);
    if (!quiet) stats.changing++;
    return { quiet, code };
  }

  const background = (async () => {
    const indexes = folders.map((_, i) => i);
    while (!stopping) {
      for (const i of shuffled(indexes, next)) {
        if (stopping) break;
        try {
          await exclusive(() => pass(i, next() < partialShare));
        } catch (err) {
          fatal = err as Error;
          stopping = true;
          break;
        }
        await sleep(Math.floor(next() * maxPause));
      }
    }
  })();

  async function settle(): Promise<void> {
    if (fatal) throw fatal;
    await exclusive(settleRounds).catch((err: Error) => {
      // A fatal error ends the background passes too.
      fatal ??= err;
      stopping = true;
      throw err;
    });
  }

  async function settleRounds(): Promise<void> {
    stats.settles++;
    let quietRounds = 0;
    const codes: string[] = [];
    for (let round = 0; round < maxRounds; round++) {
      let quiet = true;
      for (const i of shuffled(
        folders.map((_, k) => k),
        next,
      )) {
        const r = await pass(i, false);
        if (!r.quiet) quiet = false;
        if (r.code !== 0) codes.push(`round ${round}: ${folders[i]} exit ${r.code}`);
      }
      quietRounds = quiet ? quietRounds + 1 : 0;
      if (quietRounds < 2) continue;
      const hubTree = (await tree(hub)).join('\n');
      for (const f of folders) {
        if ((await tree(f)).join('\n') !== hubTree)
          throw new SyncFatalError(`${f} differs from the hub after two quiet rounds (seed ${opts.seed})`);
      }
      const temps = (await Promise.all(all.map(leftoverTemps))).flat();
      if (temps.length > 0)
        throw new SyncFatalError(`unison left temporary files in synced folders: ${temps.join(', ')}`);
      return;
    }
    throw new SyncFatalError(
      `no two quiet rounds in ${maxRounds} (seed ${opts.seed}); unison retried: ${codes.slice(-10).join('; ')}`,
    );
  }

  async function stop(): Promise<void> {
    stopping = true;
    await background;
    await tail;
    if (fatal) throw fatal;
  }

  return { settle, stop, stats, stateDir };
}

/** Conflict copies unison made under `dir` ("NAME (conflict_on_DATE)", "… _was_deleted)"), as paths. */
export async function conflictCopies(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries
    .filter((p) => /\(conflict_on_[^)]*\)$/.test(basename(p)))
    .map((p) => relative(dir, join(dir, p)));
}
