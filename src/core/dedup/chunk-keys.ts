// The two chunking secrets of a vault, derived from its authentication key, so that every device of the
// vault cuts and names chunks alike (see docs/FORMAT.md, "Format 2"), and the key of the member cache's MACs.
import { hkdfSync } from 'node:crypto';
import { gearTable } from './chunker.js';

export interface ChunkKeys {
  /** The secret gear table chunk boundaries depend on. */
  table: Uint32Array;
  /** The key of chunk ids (HMAC-SHA-256). */
  idKey: Uint8Array;
  /** The key of the member cache's MACs of zip members (Poly1305; this device's profile only). */
  memberMacKey: Uint8Array;
}

function derive(authKey: Uint8Array, info: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', authKey, new Uint8Array(0), info, 32));
}

/** The chunk keys of the vault whose authentication key is `authKey` (32 bytes). */
export function chunkKeys(authKey: Uint8Array): ChunkKeys {
  if (authKey.length !== 32)
    throw new Error(`The vault authentication key is 32 bytes, not ${authKey.length}`);
  return {
    table: gearTable(derive(authKey, 'puddleproof/v2/gear')),
    idKey: derive(authKey, 'puddleproof/v2/chunk-id'),
    memberMacKey: derive(authKey, 'puddleproof/v2/member-mac'),
  };
}
