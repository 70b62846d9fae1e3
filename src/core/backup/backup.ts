// One export → one backup: tar (archiver) → proof trailer → age codec → the cloud folder, in one stream.
// The plaintext tar never touches the disk. The metadata object, written last, commits the backup.
import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createEncryptStream } from '../age/index.js';
import { type ChatRecord, chatKeyFor } from '../chats/chat-identity.js';
import { recogniseExport } from '../chats/recognize.js';
import type { IndexCache, OwnPacks } from '../dedup/chunk-store.js';
import { overlaps } from '../folder-choice.js';
import { fsyncDir, tempPathFor, writeFileAtomic } from '../fs-atomic.js';
import { recordIdentitiesOf, recordRecipientsOf } from '../keys/record-keys.js';
import type { VaultSecrets } from '../keys/vault-secrets.js';
import { acknowledge } from '../vault/acknowledge.js';
import { type CollectionCache, readCollections } from '../vault/collections.js';
import type { Journal } from '../vault/journal.js';
import { newBackupId } from '../vault/layout.js';
import { type BackupMetadata, encryptMetadata, signMetadata } from '../vault/metadata.js';
import { fingerprintHmac } from '../vault/proof.js';
import { SealTarStream } from '../vault/tar-trailer.js';
import type { Vault } from '../vault/vault.js';
import { storeExport } from './snapshot-backup.js';
import { type ExportEntry, ExportError, walkExport } from './walk.js';

/** Everything a backup needs, passed in (tests give real ones in temporary places). */
export interface BackupContext {
  vault: Vault;
  secrets: VaultSecrets;
  journal: Journal;
  device: { id: string; name: string };
  now?: () => Date;
  /** Called as file bytes are read. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /**
   * The format new backups are written in: 2 (deduplicated; the default) or 1 (one archive per backup,
   * for vaults shared with devices whose Puddleproof is older than format 2).
   */
  format?: 1 | 2;
  /** This device's copy of the vault's pack indexes (format 2), so that a backup decrypts only new ones. */
  indexCache?: IndexCache;
  /** Called with the bytes of each object a format-2 backup writes to the cloud folder. */
  onUpload?: (bytes: number) => void;
  /** This device's copy of the vault's collection records (format 2). */
  collectionCache?: CollectionCache;
  /** Where this device records the packs it writes (format 2). */
  ownPacks?: OwnPacks;
  /** This device's caches of the zip members of each chat's last export (see dedup/member-cache.ts). */
  memberCacheDir?: string;
  /** Overrides HELPER_FROM_BYTES (snapshot-backup.ts): from how many bytes a second thread stores files. */
  helperFromBytes?: number;
}

/** What happened to one export. */
export type BackupOutcome =
  | { status: 'stored'; meta: BackupMetadata; skipped: string[] }
  | { status: 'unchanged'; sameAs: string; exportName: string; quickFingerprint: string };

const READ_BUFFER = 1024 * 1024;
/** Entries handed to archiver ahead of the one it is writing. */
const QUEUED_ENTRIES = 3;
/** Bytes written between background flushes of a data object. */
const FLUSH_EVERY = 32 * 1024 * 1024;

/** A file read stream that opens only when archiver starts reading it, hashing what it reads. */
class HashingFileStream extends Readable {
  private inner: ReadStream | undefined;
  private readonly hash = createHash('sha256');
  private read_ = 0;
  digest: string | undefined;

  constructor(
    private readonly entry: ExportEntry,
    private readonly onBytes: (n: number) => void,
  ) {
    super({ highWaterMark: READ_BUFFER });
  }

  override _read(): void {
    if (this.inner) {
      this.inner.resume();
      return;
    }
    const inner = createReadStream(this.entry.absPath, { highWaterMark: READ_BUFFER });
    this.inner = inner;
    inner.on('data', (chunk) => {
      const data = chunk as Buffer;
      this.read_ += data.length;
      if (this.read_ > this.entry.size) {
        this.destroy(new ExportError(`${this.entry.absPath} grew while it was being backed up; try again.`));
        return;
      }
      this.hash.update(data);
      this.onBytes(data.length);
      if (!this.push(data)) inner.pause();
    });
    inner.on('end', () => {
      if (this.read_ !== this.entry.size) {
        this.destroy(
          new ExportError(`${this.entry.absPath} shrank while it was being backed up; try again.`),
        );
        return;
      }
      this.digest = this.hash.digest('hex');
      this.push(null);
    });
    inner.on('error', (err) => this.destroy(err));
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.inner?.destroy();
    done(err);
  }
}

/**
 * Makes a file durable while it is written: every FLUSH_EVERY bytes an fdatasync runs in the
 * background, so the fsync that the commit needs at the end only waits for the last part.
 */
class BackgroundFlusher {
  private written = 0;
  private flushed = 0;
  private running: Promise<void> | undefined;

  constructor(private readonly file: FileHandle) {}

  /** A Writable that appends to the file and starts a background flush every FLUSH_EVERY bytes. */
  writable(): Writable {
    return new Writable({
      highWaterMark: 4 * READ_BUFFER,
      write: (chunk: Buffer, _encoding, done) => {
        this.file.write(chunk).then(({ bytesWritten }) => {
          this.written += bytesWritten;
          this.maybeFlush();
          done();
        }, done);
      },
    });
  }

  private maybeFlush(): void {
    const target = this.written;
    if (this.running || target - this.flushed < FLUSH_EVERY) return;
    this.running = this.file.datasync().then(
      () => {
        this.flushed = target;
        this.running = undefined;
      },
      () => {
        this.running = undefined;
      },
    );
  }

  /** Waits for the background flush, then fsyncs the whole file. */
  async finish(): Promise<void> {
    await this.stop();
    await this.file.sync();
  }

  /** Lets a running flush end. */
  async stop(): Promise<void> {
    await this.running;
  }
}

/** Keyed hash of the export's name and its paths, sizes, modes and mtimes (no file is read). */
export function quickFingerprint(
  authKey: Buffer,
  exportName: string,
  entries: readonly ExportEntry[],
): string {
  const h = fingerprintHmac(authKey, 'quick-fingerprint').update(`${exportName}\n`);
  for (const e of entries) h.update(`${e.relPath}\0${e.type}\0${e.size}\0${e.mode}\0${e.mtime.getTime()}\n`);
  return h.digest('hex');
}

function contentFingerprint(
  authKey: Buffer,
  entries: readonly ExportEntry[],
  digests: Map<string, string>,
): string {
  const h = fingerprintHmac(authKey, 'fingerprint');
  for (const e of entries) h.update(`${e.relPath}\0${e.type}\0${e.size}\0${digests.get(e.relPath) ?? ''}\n`);
  return h.digest('hex');
}

/** Writes the tar of `entries` through seal and codec into `path`; returns per-file digests. */
async function writeDataObject(
  path: string,
  entries: readonly ExportEntry[],
  seal: SealTarStream,
  recipients: readonly string[],
  onBytes: (n: number) => void,
): Promise<Map<string, string>> {
  // Loaded only here: format 1 is the exception, and archiver takes longer to load than a small backup.
  const { TarArchive } = await import('archiver');
  const archive = new TarArchive();
  const files: [ExportEntry, HashingFileStream][] = [];
  // archiver starts reading every appended stream at once (it pipes each into a PassThrough), so only a
  // few entries are queued at a time: enough to read the next file while the current one is encrypted.
  let next = 0;
  const appendNext = () => {
    const e = entries[next++];
    if (!e) {
      if (next === entries.length + 1) void archive.finalize().catch(() => undefined);
      return;
    }
    if (e.type === 'dir') {
      archive.append(Buffer.alloc(0), {
        name: e.archivePath,
        type: 'directory',
        mode: e.mode,
        date: e.mtime,
      });
    } else {
      const stream = new HashingFileStream(e, onBytes);
      files.push([e, stream]);
      archive.append(stream, { name: e.archivePath, stats: e.stats, mode: e.mode, date: e.mtime });
    }
  };
  archive.on('entry', appendNext);
  const encrypt = await createEncryptStream(recipients);
  const file = await open(path, 'wx', 0o644);
  const flusher = new BackgroundFlusher(file);
  try {
    const done = pipeline(archive, seal, encrypt, flusher.writable());
    for (let i = 0; i < QUEUED_ENTRIES; i++) appendNext();
    await done;
    await flusher.finish();
  } finally {
    await flusher.stop();
    await file.close();
  }
  return new Map(files.map(([e, s]) => [e.relPath, s.digest ?? '']));
}

/**
 * Backs up one export (a file or a folder). An export identical to a committed backup (same files,
 * sizes and content) is not stored again. `existing` is the vault's current list of backups.
 */
export async function backupExport(
  ctx: BackupContext,
  exportPath: string,
  existing: readonly BackupMetadata[],
): Promise<BackupOutcome> {
  if (await overlaps(exportPath, ctx.vault.root)) {
    throw new ExportError(
      `${exportPath} is the vault's own folder, inside it, or holds it (${ctx.vault.root}); it is not an export.`,
    );
  }
  const { entries, skipped } = await walkExport(exportPath);
  const exportName = basename(exportPath);
  const { authKey } = ctx.secrets;
  const quick = quickFingerprint(authKey, exportName, entries);
  const sameQuick = existing.find((m) => m.quickFingerprint === quick);
  if (sameQuick) return { status: 'unchanged', sameAs: sameQuick.id, exportName, quickFingerprint: quick };
  const recognised = await recogniseExport(exportPath, authKey);
  if (!recognised) throw new ExportError(`${exportPath} is an empty folder: it is not an export.`);
  const known = existing.flatMap((m) => (m.chat ? [m.chat] : []));
  const { hashes } = recognised;
  const key = chatKeyFor(authKey, recognised.summary, hashes, exportName, known);
  // A renamed export keeps the title its chat already has.
  const earlierTitle = known.findLast((c) => c.key === key)?.summary.title;
  const summary =
    recognised.titleGuessed && earlierTitle
      ? { ...recognised.summary, title: earlierTitle }
      : recognised.summary;
  const chat: ChatRecord = { key, summary };

  const now = ctx.now ?? (() => new Date());
  const createdAt = now();
  const id = newBackupId(createdAt);
  const dataPath = ctx.vault.paths.data(id);
  const temp = tempPathFor(dataPath);
  const totalBytes = entries.reduce((sum, e) => sum + e.size, 0);
  let doneBytes = 0;
  const onBytes = (n: number) => {
    doneBytes += n;
    ctx.onProgress?.(doneBytes, totalBytes);
  };
  const recipients = ctx.secrets.recipients.map((r) => r.recipient);
  const recordRecipients = await recordRecipientsOf(ctx.secrets);
  const identities = recordIdentitiesOf(ctx.secrets);
  const common = {
    id,
    source: summary.title,
    exportName,
    createdAt: createdAt.toISOString(),
    device: ctx.device.name,
    deviceId: ctx.device.id,
    files: entries.filter((e) => e.type === 'file').length,
    dirs: entries.filter((e) => e.type === 'dir').length,
    bytes: totalBytes,
    quickFingerprint: quick,
    chat,
  };
  const unchanged = (same: BackupMetadata): BackupOutcome => ({
    status: 'unchanged',
    sameAs: same.id,
    exportName,
    quickFingerprint: quick,
  });
  await ctx.journal.begin(id);
  if ((ctx.format ?? 2) === 2) {
    let committed: BackupMetadata;
    let seen: Set<string>;
    try {
      // Packs a collection condemned are not reused: they may be deleted once this device acknowledges it.
      const { collections } = await readCollections(ctx.vault, identities, authKey, ctx.collectionCache);
      seen = new Set(collections.keys());
      await ctx.journal.saw(id, seen);
      const chunks = await storeExport({
        vault: ctx.vault,
        id,
        createdAt,
        exportName,
        chatKey: key,
        entries,
        authKey,
        identities,
        recipients,
        recordRecipients,
        onBytes,
        avoid: new Set([...collections.values()].flatMap((c) => c.condemned)),
        ...(ctx.indexCache ? { indexCache: ctx.indexCache } : {}),
        ...(ctx.ownPacks ? { ownPacks: ctx.ownPacks } : {}),
        ...(ctx.memberCacheDir ? { memberCacheDir: ctx.memberCacheDir } : {}),
        ...(ctx.onUpload ? { onUpload: ctx.onUpload } : {}),
        ...(ctx.helperFromBytes !== undefined ? { helperFromBytes: ctx.helperFromBytes } : {}),
      });
      const fingerprint = contentFingerprint(authKey, entries, chunks.digests);
      const same = existing.find((m) => m.fingerprint === fingerprint);
      if (same) return unchanged(same);
      const { snapshotSha256, uploadedBytes } = await chunks.writeSnapshot();
      const meta: BackupMetadata = { format: 2, ...common, snapshotSha256, uploadedBytes, fingerprint };
      const sealed = await encryptMetadata(signMetadata(meta, authKey), recordRecipients);
      await writeFileAtomic(ctx.vault.paths.meta(id), sealed, 0o644);
      committed = meta;
    } catch (err) {
      // Packs already written stay: they are whole, and a retry reuses them instead of uploading again.
      await rm(ctx.vault.paths.snapshot(id), { force: true });
      throw err;
    } finally {
      await ctx.journal.end(id);
    }
    // Committed: this device's checkpoint now lists the backup and acknowledges what it avoided.
    await acknowledge({
      vault: ctx.vault,
      device: ctx.device,
      journal: ctx.journal,
      identities,
      authKey,
      recipients: recordRecipients,
      seen,
      known: [...existing, committed],
      now: now(),
    });
    return { status: 'stored', meta: committed, skipped };
  }
  try {
    const seal = new SealTarStream(authKey, id);
    const digests = await writeDataObject(temp, entries, seal, recipients, onBytes);
    const fingerprint = contentFingerprint(authKey, entries, digests);
    const same = existing.find((m) => m.fingerprint === fingerprint);
    if (same) {
      await rm(temp, { force: true });
      await ctx.journal.end(id);
      return unchanged(same);
    }
    if (!seal.summary) throw new Error('the archive was not sealed');
    await rename(temp, dataPath);
    await fsyncDir(ctx.vault.paths.dataDir);
    const meta: BackupMetadata = {
      format: 1,
      ...common,
      tarBytes: seal.summary.tarBytes,
      tarSha256: seal.summary.tarSha256,
      fingerprint,
    };
    const sealed = await encryptMetadata(signMetadata(meta, authKey), recordRecipients);
    await writeFileAtomic(ctx.vault.paths.meta(id), sealed, 0o644);
    await ctx.journal.end(id);
    return { status: 'stored', meta, skipped };
  } catch (err) {
    // Leave nothing half-written; the journal entry lets gc finish the job if even this fails.
    await rm(temp, { force: true });
    await rm(dataPath, { force: true });
    await ctx.journal.end(id);
    throw err;
  }
}
