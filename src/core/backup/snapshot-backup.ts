// One export → one format-2 backup: its files cut into chunks; chunks the vault does not hold yet go into
// new packs; then the snapshot (the file list). The caller writes the metadata last, as the commit record.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { encryptBuffer } from '../age/buffer.js';
import { type ChunkKeys, chunkKeys } from '../dedup/chunk-keys.js';
import { ChunkStore, type IndexCache, type OwnPacks, PackWriter } from '../dedup/chunk-store.js';
import { cksumFinish, crcCombine } from '../dedup/cksum.js';
import { fileLayout, knownMember, type MemberReuse, type ReadBuffer } from '../dedup/file-chunks.js';
import { MemberCache } from '../dedup/member-cache.js';
import type { IndexEntry } from '../dedup/pack-index.js';
import { encodeSnapshot, type ListedChunk, type ListedEntry } from '../dedup/snapshot-list.js';
import { tempPathFor, writeFileAtomic } from '../fs-atomic.js';
import type { Vault } from '../vault/vault.js';
import {
  assertStamp,
  pieceBytes,
  type StoredPiece,
  type StorePiece,
  stampOf,
  storePiece,
} from './store-file.js';
import { SharedPieces, StoreHelper } from './store-helper.js';
import { type ExportEntry, ExportError } from './walk.js';

/** Bytes to cut (files, and zip members not known) from which a store worker shares the work on the second core. */
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

/** One part of a file: a piece to store (by index). */
interface FilePart {
  piece: number;
  /** The member's key in the member cache, for a zip member. */
  memberKey?: string;
}

/**
 * The pieces of the export's files to store, and each file's parts in order: a zip (by its name) is split
 * into its segments, and a member the chat's member cache knows (whose chunks the vault holds) is expected
 * to be that member (its MAC checked, not cut again, when it is stored); any other file is one piece.
 */
async function planPieces(
  entries: readonly ExportEntry[],
  keys: ChunkKeys,
  members: MemberReuse | undefined,
): Promise<{ pieces: StorePiece[]; plans: Map<number, FilePart[]> }> {
  const pieces: StorePiece[] = [];
  const plans = new Map<number, FilePart[]>();
  const add = (piece: StorePiece) => pieces.push(piece) - 1;
  for (const [i, e] of entries.entries()) {
    if (e.type !== 'file') continue;
    const stamp = stampOf(e.stats);
    if (!/\.zip$/i.test(e.absPath)) {
      plans.set(i, [{ piece: add({ path: e.absPath, stamp, segment: null }) }]);
      continue;
    }
    const fd = openSync(e.absPath, 'r');
    try {
      // Each segment is read later, by offset: they must all be of this file, as listed.
      assertStamp(fstatSync(fd), stamp, e.absPath);
      const layout = await fileLayout(fd, e.absPath);
      const parts: FilePart[] = [];
      for (const segment of layout.segments) {
        const member =
          members && segment.kind === 'member' ? knownMember(fd, e.absPath, segment, keys, members) : null;
        const memberKey = member ? { memberKey: member.key } : {};
        const expect = member?.known ? { expect: member.known } : {};
        parts.push({ piece: add({ path: e.absPath, stamp, segment, ...expect }), ...memberKey });
      }
      // And the samples of its known members too.
      assertStamp(fstatSync(fd), stamp, e.absPath);
      plans.set(i, parts);
    } finally {
      closeSync(fd);
    }
  }
  return { pieces, plans };
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
  const keys = chunkKeys(authKey);
  const cache = req.memberCacheDir
    ? await MemberCache.open(req.memberCacheDir, req.chatKey ?? `export:${req.exportName}`)
    : null;
  const members: MemberReuse | undefined = cache
    ? { cache, holds: (c) => store.locations.get(c.id)?.plainBytes === c.length }
    : undefined;
  const { pieces, plans } = await planPieces(req.entries, keys, members);
  const shared = new SharedPieces(pieces);
  // (A member the cache knows costs only reading and its MAC, unless it changed: it does not count.)
  const sharedBytes = pieces.reduce((sum, p) => sum + (p.expect ? 0 : pieceBytes(p)), 0);
  const recipients = { recipients: [...req.recipients], indexRecipients: [...req.recordRecipients] };
  // A second thread is worth starting for enough bytes to cut; below that this thread stores everything,
  // with the pack worker sealing.
  const helper =
    pieces.length > 1 && sharedBytes >= (req.helperFromBytes ?? HELPER_FROM_BYTES)
      ? StoreHelper.start(
          shared,
          {
            known: [...store.locations],
            folders: { packsDir: vault.paths.packsDir, indexDir: vault.paths.indexDir },
            writer: { ...recipients, authKey: new Uint8Array(authKey), backupId: req.id },
          },
          req.onBytes,
          onUpload,
          (piece) => writer.learn(piece.entries),
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
  const reuse: ReadBuffer = { buffer: Buffer.alloc(0) };
  /** Each piece's chunks, by index in `pieces`. */
  const stored = new Map<number, StoredPiece>();
  const listed: ListedEntry[] = [];
  const digests = new Map<string, string>();
  /** Each file's chunk entries, for its checksum once the packs are sealed. */
  const fileEntries = new Map<ListedEntry, IndexEntry[]>();
  try {
    for (let k = shared.take(); k !== null; k = shared.take()) {
      helper?.throwIfFailed();
      const piece = await storePiece(pieces[k] as StorePiece, writer, keys, req.onBytes, reuse);
      stored.set(k, piece);
      // The worker learns this piece's chunks, so that a copy it meets later is not stored again.
      helper?.learn(piece.entries);
    }
    await helper?.finished();
    for (const [k, piece] of helper?.stored ?? []) stored.set(k, piece);
    for (const [pack, entries] of helper?.packs ?? []) store.add(pack, entries);
    for (const [i, e] of req.entries.entries()) {
      const path = e.archivePath.replace(/\/$/, '');
      const common = { path, mode: e.mode, mtimeMs: e.mtime.getTime() };
      if (e.type === 'dir') {
        listed.push({ type: 'dir', ...common });
        continue;
      }
      const file: ListedEntry = { type: 'file', ...common, size: e.size, cksum: 0, chunks: [] };
      const entries: IndexEntry[] = [];
      const ids = createHash('sha256');
      for (const part of plans.get(i) ?? []) {
        const piece: StoredPiece = stored.get(part.piece) as StoredPiece;
        file.chunks.push(...piece.chunks);
        entries.push(...piece.entries);
        for (const id of piece.ids) ids.update(id);
        if (part.memberKey && piece.mac)
          cache?.remember(part.memberKey, {
            mac: piece.mac,
            chunks: piece.ids.map((id, n) => ({ id, length: (piece.chunks[n] as ListedChunk).plainBytes })),
          });
      }
      if (entries.reduce((sum, c) => sum + c.plainBytes, 0) !== e.size)
        throw new ExportError(`${e.absPath} changed while it was being backed up; try again.`);
      digests.set(e.relPath, ids.digest('hex'));
      listed.push(file);
      fileEntries.set(file, entries);
    }
    await writer.finish();
  } catch (err) {
    // Whatever failed, no pack either thread handed off is left without its index.
    await helper?.stop();
    await writer.abandon();
    throw err;
  }
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
