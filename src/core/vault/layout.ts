// Where things live in the cloud folder. Names carry only a time and a random id.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Format version written to the marker file. */
export const VAULT_FORMAT = 1;

/** The vault folder inside the cloud folder. */
export function vaultRoot(cloudDir: string): string {
  return join(cloudDir, 'Puddleproof');
}

/** Paths of a vault's marker, folders and objects. */
export function vaultPaths(root: string) {
  return {
    marker: join(root, 'vault.json'),
    dataDir: join(root, 'data'),
    metaDir: join(root, 'meta'),
    chatsDir: join(root, 'chats'),
    packsDir: join(root, 'packs'),
    indexDir: join(root, 'index'),
    snapshotsDir: join(root, 'snapshots'),
    collectionsDir: join(root, 'collections'),
    devicesDir: join(root, 'devices'),
    trustDir: join(root, 'trust'),
    keysDir: join(root, 'keys'),
    pairingDir: join(root, 'pairing'),
    data: (id: string) => join(root, 'data', `${id}.age`),
    meta: (id: string) => join(root, 'meta', `${id}.age`),
    pack: (id: string) => join(root, 'packs', `${id}.age`),
    index: (id: string) => join(root, 'index', `${id}.age`),
    snapshot: (id: string) => join(root, 'snapshots', `${id}.age`),
    collection: (id: string) => join(root, 'collections', `${id}.age`),
    device: (name: string) => join(root, 'devices', `${name}.age`),
  };
}

const ID_PATTERN = /^\d{8}T\d{6}Z-[a-z2-7]{12}$/;
/** The base-32 alphabet of ids and pairing codes (RFC 4648's, lower case). */
export const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A new backup id: UTC time to the second and 60 random bits, e.g. 20261126T170503Z-k3j7x2m4qa7b. */
export function newBackupId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const random = [...randomBytes(12)].map((b) => BASE32[b & 31]).join('');
  return `${stamp}-${random}`;
}

/** Whether a string is a backup id (also guards paths built from ids). */
export function isBackupId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** The name of a new chat-edit object: a time and 60 random bits, like a backup id (`<id>.age`). */
export function newChatEditName(now: Date): string {
  return `${newBackupId(now)}.age`;
}

/** The time in an object name (`<id>`), in ms since the epoch. */
export function timeOfId(id: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s);
}

/** The id of a committed object's file name (`<id>.age`), or null for anything else. */
export function idOfObjectName(name: string): string | null {
  if (!name.endsWith('.age')) return null;
  const id = name.slice(0, -4);
  return isBackupId(id) ? id : null;
}
