// One export → one format-2 backup: its files cut into chunks; chunks the vault does not hold yet go into
// new packs; then the snapshot (the file list). The caller writes the metadata last, as the commit record.
import { createHash } from 'node:crypto';
import { encryptBuffer } from '../age/buffer.js';
import { chunkKeys } from '../dedup/chunk-keys.js';
import { ChunkStore, type IndexCache, type OwnPacks, PackWriter } from '../dedup/chunk-store.js';
import { cksumFinish, crcCombine } from '../dedup/cksum.js';
import type { MemberReuse, ReadBuffer } from '../dedup/file-chunks.js';
import { MemberCache } from '../dedup/member-cache.js';
import type { IndexEntry } from '../dedup/pack-index.js';
import { encodeSnapshot, type ListedEntry } from '../dedup/snapshot-list.js';
import { tempPathFor, writeFileAtomic } from '../fs-atomic.js';
import type { Vault } from '../vault/vault.js';
import { type StoredFile, storeFile } from './store-file.js';
import { SharedFiles, StoreHelper } from './store-helper.js';
import type { ExportEntry } from './walk.js';

/** Bytes of an export's files (zips aside) from which the store worker stores some of them on the second core. */
export const HELPER_FROM_BYTES = 32 * 1024 * 1024;

/** What writing a snapshot needs. */
export interface SnapshotBackupRequest {
  vault: Vault;
  id: string;
  createdAt: Date;
  exportName: string;
  chatKey: string | null;
  entries: readonly ExportEntry[];
  authKey: Buffer;
  /** Opens the vault's pack indexes (the vault index identity). */
  /** Identities that open the vault's pack indexes (record-keys.ts). */
  identities: readonly string[];
  /** Recipients of packs; indexes and the snapshot go to `recordRecipients`. */
  recipients: readonly string[];
  recordRecipients: readonly string[];
  onBytes: (n: number) => void;
  /** This device's copy of the indexes it has read (see IndexCache). */
  indexCache?: IndexCache;
  /** Called with the bytes of each object written. */
  onUpload?: (bytes: number) => void;
  /** Packs not to reuse (condemned by a collection): their chunks are stored again. */
  avoid?: ReadonlySet<string>;
  /** Where this device records the packs it wrote. */
  ownPacks?: OwnPacks;
  /** The profile folder of the member caches (member-cache.ts): zip members of the chat's last export that
   * the vault holds are not read again. */
  memberCacheDir?: string;
  /** Overrides HELPER_FROM_BYTES. */
  helperFromBytes?: number;
}

/** The export's chunks are in packs; `writeSnapshot` writes the file list that makes them a backup. */
export interface StoredExport {
  /** Per file (by path within the export), a hash of its chunk ids: equal files, equal digests. */
  digests: Map<string, string>;
  /** Writes the snapshot; returns its hash and the bytes this backup added to the vault. */
  writeSnapshot(): Promise<{ snapshotSha256: string; uploadedBytes: number }>;
}

/** POSIX cksum of a file from its chunks' entries (their CRC registers and sizes). */
function cksumOf(entries: readonly IndexEntry[], size: number): number {
  let crc = 0;
  for (const e of entries) crc = crcCombine(crc, e.crc, e.plainBytes);
  return cksumFinish(crc, size);
}

/**
 * Writes the packs holding what is new in the export; the snapshot (`snapshots/<id>.age`) comes after, so a
 * snapshot on disk never names a chunk that is not in a pack on disk.
 */
export async function storeExport(req: SnapshotBackupRequest): Promise<StoredExport> {
  const { vault, authKey } = req;
  let uploadedBytes = 0;
  const onUpload = (n: number) => {
    uploadedBytes += n;
    req.onUpload?.(n);
  };
  const store = await ChunkStore.load(vault, req.identities, authKey, req.indexCache, req.avoid);
  // Zips stay on this thread, where the chat's member cache spares reading their known members; the
  // other files are shared with the store worker when there are enough of them to be worth a thread.
  const files = req.entries.flatMap((e, i) => (e.type === 'file' ? [i] : []));
  const isZip = (i: number) => /\.zip$/i.test(req.entries[i]?.relPath ?? '');
  const own = files.filter(isZip);
  const sharedIndexes = files.filter((i) => !isZip(i));
  const shared = new SharedFiles(sharedIndexes.map((i) => req.entries[i] as ExportEntry));
  const sharedBytes = shared.files.reduce((sum, e) => sum + e.size, 0);
  const recipients = { recipients: [...req.recipients], indexRecipients: [...req.recordRecipients] };
  const helper =
    shared.files.length > 1 && sharedBytes >= (req.helperFromBytes ?? HELPER_FROM_BYTES)
      ? StoreHelper.start(
          shared,
          {
            known: [...store.locations],
            folders: { packsDir: vault.paths.packsDir, indexDir: vault.paths.indexDir },
            writer: { ...recipients, authKey: new Uint8Array(authKey), backupId: req.id },
          },
          req.onBytes,
          onUpload,
          (file) => writer.learn(file.entries),
        )
      : null;
  // With the store worker on the second core, this thread seals its own packs.
  const writer = new PackWriter(vault, store, {
    ...recipients,
    authKey,
    backupId: req.id,
    onUpload,
    inThread: helper !== null,
  });
  const keys = chunkKeys(authKey);
  const reuse: ReadBuffer = { buffer: Buffer.alloc(0) };
  const cache = req.memberCacheDir
    ? await MemberCache.open(req.memberCacheDir, req.chatKey ?? `export:${req.exportName}`)
    : null;
  const members: MemberReuse | undefined = cache
    ? { cache, holds: (c) => writer.known(c.id)?.plainBytes === c.length }
    : undefined;
  /** Each file's stored chunks, by index in req.entries. */
  const stored = new Map<number, StoredFile>();
  const storeHere = async (i: number) => {
    helper?.throwIfFailed();
    const file = await storeFile(req.entries[i] as ExportEntry, writer, keys, req.onBytes, reuse, members);
    stored.set(i, file);
    // The worker learns this file's chunks, so that a copy of the file it meets later is not stored again.
    helper?.learn(file.entries);
  };
  try {
    for (const i of own) await storeHere(i);
    for (let k = shared.take(); k !== null; k = shared.take()) await storeHere(sharedIndexes[k] as number);
    await helper?.finished();
  } catch (err) {
    await helper?.stop();
    throw err;
  }
  for (const [k, file] of helper?.stored ?? []) stored.set(sharedIndexes[k] as number, file);
  for (const [pack, entries] of helper?.packs ?? []) store.add(pack, entries);
  const listed: ListedEntry[] = [];
  const digests = new Map<string, string>();
  /** Each file's chunk entries, for its checksum once the packs are sealed. */
  const fileEntries = new Map<ListedEntry, IndexEntry[]>();
  for (const [i, e] of req.entries.entries()) {
    const path = e.archivePath.replace(/\/$/, '');
    const common = { path, mode: e.mode, mtimeMs: e.mtime.getTime() };
    if (e.type === 'dir') {
      listed.push({ type: 'dir', ...common });
      continue;
    }
    const { chunks, entries, digest } = stored.get(i) as StoredFile;
    digests.set(e.relPath, digest);
    const file: ListedEntry = { type: 'file', ...common, size: e.size, cksum: 0, chunks };
    listed.push(file);
    fileEntries.set(file, entries);
  }
  await writer.finish();
  await req.ownPacks?.add(vault.root, [...writer.packs, ...(helper?.packs ?? []).map(([pack]) => pack)]);
  await cache?.save();
  for (const [file, entries] of fileEntries)
    if (file.type === 'file') file.cksum = cksumOf(entries, file.size);
  // The packs just written join the cache, so the next backup need not decrypt their indexes.
  if (req.indexCache && (writer.packs.length || helper?.packs.length))
    await req.indexCache.write(vault.root, store.cacheable());
  const writeSnapshot = async () => {
    const plain = encodeSnapshot(
      {
        id: req.id,
        createdAt: req.createdAt.toISOString(),
        chatKey: req.chatKey,
        exportName: req.exportName,
      },
      listed,
    );
    const sealed = await encryptBuffer(plain, req.recordRecipients);
    const path = vault.paths.snapshot(req.id);
    await writeFileAtomic(path, sealed, 0o644, tempPathFor(path));
    onUpload(sealed.length);
    return { snapshotSha256: createHash('sha256').update(plain).digest('hex'), uploadedBytes };
  };
  return { digests, writeSnapshot };
}
