// The vault in the cloud folder: a plaintext format marker, and per backup a data object and a
// metadata object. Committed objects are never modified; the metadata object is the commit record.
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { applyChatEdits, type ChatEdit, editProof, validEdit } from '../chats/chat-edits.js';
import { fsyncDir, writeFileAtomic } from '../fs-atomic.js';
import {
  idOfObjectName,
  isBackupId,
  newChatEditName,
  VAULT_FORMAT,
  vaultPaths,
  vaultRoot,
} from './layout.js';
import { type BackupMetadata, decryptMetadata, encryptJson, verifyMetadata } from './metadata.js';
import { proofMatches } from './proof.js';
import { writeRestoreGuide } from './restore-guide.js';
import {
  objectFiles,
  objectIdOf,
  objectPath,
  placeholderPath,
  presentIds,
  removeObject,
} from './synced-files.js';

/** The cloud folder has no vault, or an unreadable one. */
export class VaultError extends Error {}

/** A backup whose metadata is not (or no longer) in the folder. */
export class BackupGoneError extends VaultError {}

/** A backup that could not be listed, and why. */
export interface ListProblem {
  id: string;
  problem: string;
}

/**
 * Orphans older than this are removed by gc even when another device may have made them: 7 days, since a
 * device's upload may stop between its snapshot and its metadata (a laptop closed) for hours or days.
 */
export const DEFAULT_GC_GRACE_MS = 7 * 24 * 60 * 60 * 1000;

/** An opened vault folder. */
export class Vault {
  readonly paths: ReturnType<typeof vaultPaths>;

  private constructor(readonly root: string) {
    this.paths = vaultPaths(root);
  }

  /** Creates a new vault in `cloudDir`; refuses if one is there already. */
  static async create(cloudDir: string): Promise<Vault> {
    await assertFolder(cloudDir, 'cloud folder');
    const vault = new Vault(vaultRoot(cloudDir));
    if ((await exists(vault.paths.marker)) || (await exists(placeholderPath(vault.paths.marker)))) {
      throw new VaultError(
        `${cloudDir} already holds a Puddleproof vault. Use \`puddleproof recover\` to add this device to it.`,
      );
    }
    if ((await readdir(vault.root).catch(() => [])).length > 0) {
      throw new VaultError(`${vault.root} exists and is not a Puddleproof vault; move it away first.`);
    }
    await vault.makeFolders();
    await writeFileAtomic(vault.paths.marker, `${JSON.stringify({ format: VAULT_FORMAT })}\n`, 0o644);
    return vault;
  }

  /** Opens the vault in `cloudDir`; a clear error if it is missing, unmounted or of another format. */
  static async open(cloudDir: string): Promise<Vault> {
    await assertFolder(cloudDir, 'cloud folder');
    const vault = new Vault(vaultRoot(cloudDir));
    let marker: unknown;
    try {
      marker = JSON.parse(await readFile(vault.paths.marker, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        if (await exists(placeholderPath(vault.paths.marker)))
          throw new VaultError(
            `The vault in ${cloudDir} is not downloaded here yet (Puddleproof/vault.json is still a placeholder of ` +
              'the sync app): let it download the folder, or keep it on this device, and try again.',
          );
        throw new VaultError(`There is no Puddleproof vault in ${cloudDir} (no Puddleproof/vault.json).`);
      }
      throw new VaultError(`The vault marker ${vault.paths.marker} is unreadable: ${(err as Error).message}`);
    }
    const format = (marker as { format?: unknown })?.format;
    if (format !== VAULT_FORMAT) {
      throw new VaultError(
        `The vault in ${cloudDir} has format ${String(format)}; this version reads format 1.`,
      );
    }
    await vault.makeFolders();
    return vault;
  }

  /** The vault's folders and its restore guide (RESTORE.txt and the script), where they are missing. */
  private async makeFolders(): Promise<void> {
    const p = this.paths;
    for (const dir of [
      p.dataDir,
      p.metaDir,
      p.chatsDir,
      p.packsDir,
      p.indexDir,
      p.snapshotsDir,
      p.collectionsDir,
      p.devicesDir,
      p.trustDir,
      p.keysDir,
      p.pairingDir,
    ])
      await mkdir(dir, { recursive: true });
    await writeRestoreGuide(this.root);
  }

  /** Ids of committed backups (those with a metadata object), oldest first. */
  async committedIds(): Promise<string[]> {
    return idsIn(this.paths.metaDir);
  }

  /** Reads, decrypts and authenticates one backup's metadata. */
  async readMetadata(
    id: string,
    identities: readonly string[],
    authKey: Buffer,
    allowUnauthenticated = false,
  ): Promise<BackupMetadata> {
    if (!isBackupId(id)) throw new VaultError(`"${id}" is not a backup id (see \`puddleproof list\`).`);
    let bytes: Buffer;
    try {
      bytes = await readFile(await objectPath(this.paths.metaDir, id, isBackupId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new BackupGoneError(`There is no backup ${id}.`);
      throw err;
    }
    const meta = verifyMetadata(await decryptMetadata(bytes, identities), authKey, allowUnauthenticated);
    if (meta.id !== id) throw new VaultError(`backup ${id}: its metadata names another backup (${meta.id})`);
    return meta;
  }

  /**
   * Every committed backup this device can read, oldest first, with the chat edits applied, and the
   * backups (and edits) it could not read.
   */
  async list(
    identities: readonly string[],
    authKey: Buffer,
  ): Promise<{ backups: BackupMetadata[]; problems: ListProblem[] }> {
    const edits = await this.readChatEdits(identities, authKey);
    const { backups, problems } = await this.listUnedited(identities, authKey);
    return { backups: applyChatEdits(backups, edits.edits), problems: [...problems, ...edits.problems] };
  }

  /** Writes a chat edit (encrypted to `recipients`, proven with the auth key) as a new object. */
  async writeChatEdit(edit: ChatEdit, recipients: readonly string[], authKey: Buffer): Promise<void> {
    const sealed = await encryptJson({ format: 1, edit, proof: editProof(authKey, edit) }, recipients);
    await writeFileAtomic(join(this.paths.chatsDir, newChatEditName(new Date())), sealed, 0o644);
  }

  /** The chat edits this device can read and prove; the others as problems (refused, never applied). */
  async readChatEdits(
    identities: readonly string[],
    authKey: Buffer,
  ): Promise<{ edits: ChatEdit[]; problems: ListProblem[] }> {
    const edits: ChatEdit[] = [];
    const problems: ListProblem[] = [];
    const names = await readdir(this.paths.chatsDir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const id = idOfObjectName(name);
      if (id === null) continue;
      try {
        const value = await decryptMetadata(await readFile(join(this.paths.chatsDir, name)), identities);
        const v = value as { format?: unknown; edit?: unknown; proof?: unknown };
        if (v.format !== 1) throw new Error('not a chat edit');
        const edit = validEdit(v.edit);
        const proof = Buffer.from(typeof v.proof === 'string' ? v.proof : '', 'hex');
        if (!proofMatches(Buffer.from(editProof(authKey, edit), 'hex'), proof)) {
          throw new Error('not authentic (not made with this vault’s keys); it is ignored');
        }
        edits.push(edit);
      } catch (err) {
        problems.push({ id, problem: `chat edit: ${(err as Error).message}` });
      }
    }
    return { edits, problems };
  }

  /** Every committed backup this device can read, as written (no chat edits applied). */
  async listUnedited(
    identities: readonly string[],
    authKey: Buffer,
  ): Promise<{ backups: BackupMetadata[]; problems: ListProblem[] }> {
    const backups: BackupMetadata[] = [];
    const problems: ListProblem[] = [];
    for (const id of await this.committedIds()) {
      try {
        backups.push(await this.readMetadata(id, identities, authKey));
      } catch (err) {
        // Removed (by this or another device) since the folder was listed: gone, not a problem.
        if (!(err instanceof BackupGoneError)) problems.push({ id, problem: (err as Error).message });
      }
    }
    backups.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return { backups, problems };
  }

  /**
   * Removes committed backups, crash-safely: first every metadata object (the commit record: once it is
   * gone the backup no longer exists), then the flush of the meta folder, then the data objects. A crash
   * in between leaves only orphaned data objects, which `gc` removes. Ids already gone are no error.
   */
  async forget(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      if (!isBackupId(id)) throw new VaultError(`"${id}" is not a backup id (see \`puddleproof list\`).`);
    }
    if (ids.length === 0) return;
    const p = this.paths;
    // With any copy a sync client made of them: a copy left behind would bring the backup back.
    for (const id of ids) await removeObject(p.metaDir, id, isBackupId);
    await fsyncDir(p.metaDir);
    for (const id of ids) {
      await removeObject(p.dataDir, id, isBackupId);
      await removeObject(p.snapshotsDir, id, isBackupId);
    }
    await fsyncDir(this.paths.dataDir);
    await fsyncDir(this.paths.snapshotsDir);
  }

  /**
   * Removes what no commit record points to: data objects and snapshots without metadata (with the copies
   * and placeholders sync clients made of them), and temporary files (also those of packs and indexes). Those of `mine` (ids this device left unfinished) go at once;
   * others only after `graceMs`, since another device may still be writing them or a sync client may not
   * have delivered their metadata. Whole packs and indexes are never removed here: a snapshot of any
   * device may reference them (a retried backup reuses those of an unfinished one).
   */
  async gc(mine: ReadonlySet<string>, graceMs = DEFAULT_GC_GRACE_MS, now = Date.now()): Promise<string[]> {
    // Also those whose metadata is only a sync client's placeholder here (not downloaded): committed.
    const committed = presentIds(await readdir(this.paths.metaDir), isBackupId);
    const removed: string[] = [];
    const p = this.paths;
    const dirs = [p.dataDir, p.metaDir, p.snapshotsDir, p.packsDir, p.indexDir, p.chatsDir];
    for (const dir of [...dirs, p.collectionsDir, p.devicesDir, p.trustDir, p.keysDir, p.pairingDir]) {
      const whole = dir === p.dataDir || dir === p.metaDir || dir === p.snapshotsDir;
      for (const name of await readdir(dir)) {
        const temp = name.startsWith('.tmp-');
        // A sync client's copy (or placeholder) of an object goes with it.
        const id = temp ? tempObjectId(name) : objectIdOf(name, isBackupId);
        if (!temp && (!whole || id === null || committed.has(id))) continue;
        const path = join(dir, name);
        const old = now - (await stat(path)).mtimeMs > graceMs;
        if (old || (id !== null && mine.has(id))) {
          await rm(path, { force: true });
          removed.push(path);
        }
      }
    }
    return removed;
  }
}

/** The backup id inside a temporary object name `.tmp-<random>-<id>.age`. */
function tempObjectId(name: string): string | null {
  return idOfObjectName(name.replace(/^\.tmp-[0-9a-f]+-/, ''));
}

/** Ids of the objects in `dir`, whether as the file itself or only as a sync client's copy. */
async function idsIn(dir: string): Promise<string[]> {
  return [...objectFiles(await readdir(dir), isBackupId).keys()];
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A clear VaultError unless `path` is an existing folder (`what` names it in the message). */
export async function assertFolder(path: string, what: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new VaultError(`The ${what} ${path} does not exist (is the drive or sync folder mounted?).`);
  }
  if (!info.isDirectory()) throw new VaultError(`The ${what} ${path} is not a folder.`);
}
