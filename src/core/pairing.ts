// Pairing: a new device joins the vault without the recovery kit. It shows a code (128 random bits, the
// pairing secret, as 26 letters and digits) and a check string; on a device of the vault the user enters
// the code, compares the check string, and approves. Through the cloud folder:
//   1. the new device writes `pairing/<rid>-request.age`: its public key and name, age-encrypted with the
//      code as passphrase (so the cloud folder can neither read nor forge it; `rid` is a hash of the code);
//   2. the approving device writes `pairing/<rid>-reply.age`: the vault's index and authentication keys and
//      the recovery recipient, age-encrypted to the new device's key and bound to the code by an HMAC; and
//      adds the new device to the vault's trusted list.
// The full secret is in the code (no PAKE): someone who sees the cloud folder learns nothing of it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Decrypter, Encrypter } from 'age-encryption';
import { decryptBuffer, encryptBuffer } from './age/buffer.js';
import { adoptVault, type Device, newDeviceFor, type StoreFor, trustedList } from './device.js';
import { writeFileAtomic } from './fs-atomic.js';
import { RECOVERY_LABEL } from './keys/recipients.js';
import { generateIdentity, recipientOf } from './keys/vault-secrets.js';
import { syncTrustedList, trustRecipient } from './trust.js';
import { BASE32, vaultPaths, vaultRoot } from './vault/layout.js';

/** A pairing failed or was refused; the message says why in plain words. */
export class PairingError extends Error {}

/** How long a request may wait for its approval. */
export const PAIRING_EXPIRES_MS = 60 * 60 * 1000;
/** The scrypt work factor of the request: the passphrase is 128 random bits, not a password to stretch. */
const SCRYPT_LOG_N = 10;

function toBase32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** The code people read and type: 26 characters in groups (`abcde-fghij-…`). */
function formatCode(secret: Buffer): string {
  return (toBase32(secret).match(/.{1,5}/g) ?? []).join('-');
}

/** A code as typed, without case, spaces or dashes. */
export function normalizedCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/** The pairing secret in a code as typed (case, spaces and dashes do not matter). */
export function secretOfCode(code: string): Buffer {
  const clean = normalizedCode(code);
  if (!/^[a-z2-7]{26}$/.test(clean))
    throw new PairingError('That is not a pairing code (26 letters and digits).');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    value = (value << 5) | BASE32.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out.slice(0, 16));
}

const mac = (secret: Buffer, label: string, data: string) =>
  createHmac('sha256', secret).update(`puddleproof/v1/pair-${label}\n`).update(data).digest();

/** The request id of a pairing secret (file names say nothing else). */
function requestId(secret: Buffer): string {
  return mac(secret, 'id', '').toString('hex').slice(0, 24);
}

/** The string both screens show: six digits from the secret and the new device's key. */
export function checkString(secret: Buffer, recipient: string): string {
  const n = mac(secret, 'check', recipient).readUInt32BE(0) % 1_000_000;
  const digits = String(n).padStart(6, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

function pairingFiles(cloudDir: string, rid: string) {
  const dir = vaultPaths(vaultRoot(cloudDir)).pairingDir;
  return { dir, request: join(dir, `${rid}-request.age`), reply: join(dir, `${rid}-reply.age`) };
}

interface RequestBody {
  kind: 'pair-request';
  rid: string;
  recipient: string;
  name: string;
  deviceId: string;
  at: string;
}

interface ReplyBody {
  kind: 'pair-reply';
  rid: string;
  recipient: string;
  indexIdentity: string;
  authKey: string;
  recoveryRecipient: string;
  /** The vault data keys: the new device opens the backups made before it joined. */
  dataIdentities: string[];
  by: string;
  at: string;
}

/** A pairing request waiting for its approval. */
export interface PendingPairing {
  /** What the new device shows: the code to enter on a device of the vault, and the check string. */
  code: string;
  check: string;
  /**
   * Waits for the approval (looking every `pollMs`), then saves the keys: this device is in the vault. When
   * `signal` aborts, the request is removed from the cloud folder.
   */
  wait(opts?: { pollMs?: number; signal?: AbortSignal }): Promise<Device>;
}

/** Starts pairing a new device (its profile at `home`) with the vault in `cloudDir`. */
export async function requestPairing(opts: {
  home: string;
  watchDir: string;
  cloudDir: string;
  deviceName?: string;
  storeFor?: StoreFor;
  onWarning?: (message: string) => void;
  now?: Date;
}): Promise<PendingPairing> {
  const settings = await newDeviceFor(opts);
  const secret = randomBytes(16);
  const code = formatCode(secret);
  const rid = requestId(secret);
  const deviceIdentity = await generateIdentity(false);
  const recipient = await recipientOf(deviceIdentity);
  const files = pairingFiles(settings.cloudDir, rid);
  const body: RequestBody = {
    kind: 'pair-request',
    rid,
    recipient,
    name: settings.deviceName,
    deviceId: settings.deviceId,
    at: (opts.now ?? new Date()).toISOString(),
  };
  const e = new Encrypter();
  e.setPassphrase(toBase32(secret));
  e.setScryptWorkFactor(SCRYPT_LOG_N);
  await writeFileAtomic(files.request, Buffer.from(await e.encrypt(JSON.stringify(body))), 0o644);
  const started = Date.now();
  return {
    code,
    check: checkString(secret, recipient),
    async wait({ pollMs = 500, signal } = {}) {
      let sealed: Buffer | null = null;
      while (!sealed) {
        if (signal?.aborted) {
          // Given up: nothing of the request stays in the cloud folder.
          await rm(files.request, { force: true });
          signal.throwIfAborted();
        }
        if (Date.now() - started > PAIRING_EXPIRES_MS) {
          await rm(files.request, { force: true });
          throw new PairingError('No device approved this pairing within an hour; start again.');
        }
        sealed = await readFile(files.reply).catch(() => null);
        if (!sealed) await new Promise((r) => setTimeout(r, pollMs));
      }
      const reply = await openReply(sealed, deviceIdentity, secret, rid, recipient);
      const device = await adoptVault(
        opts.home,
        settings,
        {
          deviceIdentity,
          indexIdentity: reply.indexIdentity,
          authKey: Buffer.from(reply.authKey, 'base64'),
          recipients: await trustedList(deviceIdentity, reply.recoveryRecipient, settings.deviceName),
          dataIdentities: reply.dataIdentities,
        },
        opts.storeFor,
      );
      await rm(files.reply, { force: true });
      await rm(files.request, { force: true });
      await syncTrustedList(device);
      return device;
    },
  };
}

/** Opens and checks the approving device's reply: for this request, from someone who had the code. */
async function openReply(
  sealed: Buffer,
  identity: string,
  secret: Buffer,
  rid: string,
  recipient: string,
): Promise<ReplyBody> {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse((await decryptBuffer(sealed, [identity])).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new PairingError('The pairing reply does not open with this device’s key: it is not genuine.');
  }
  const { proof, ...body } = value;
  const expected = mac(secret, 'reply', JSON.stringify(body));
  const given = Buffer.from(typeof proof === 'string' ? proof : '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new PairingError('The pairing reply was not made with this code: it is refused.');
  const reply = body as unknown as ReplyBody;
  if (reply.kind !== 'pair-reply' || reply.rid !== rid || reply.recipient !== recipient)
    throw new PairingError('The pairing reply is for another request: it is refused.');
  for (const key of ['indexIdentity', 'authKey', 'recoveryRecipient', 'by'] as const)
    if (typeof reply[key] !== 'string') throw new PairingError('The pairing reply is malformed.');
  if (!Array.isArray(reply.dataIdentities) || !reply.dataIdentities.every((x) => typeof x === 'string'))
    throw new PairingError('The pairing reply is malformed.');
  return reply;
}

/** What an approving device sees of a request before the user approves it. */
export interface PairingCandidate {
  name: string;
  recipient: string;
  check: string;
  /** Hands the vault's keys to the new device and adds it to the vault's trusted list. */
  approve(): Promise<void>;
}

/** Reads the request behind `code` on a device of the vault (nothing is handed over until `approve`). */
export async function findPairing(device: Device, code: string, now = new Date()): Promise<PairingCandidate> {
  const secret = secretOfCode(code);
  const rid = requestId(secret);
  const files = pairingFiles(device.settings.cloudDir, rid);
  const sealed = await readFile(files.request).catch(() => null);
  if (!sealed)
    throw new PairingError(
      'No pairing request with this code is in the cloud folder (has it synced here yet? Is the code right?).',
    );
  let request: RequestBody;
  try {
    const d = new Decrypter();
    d.addPassphrase(toBase32(secret));
    request = JSON.parse(await d.decrypt(sealed, 'text')) as RequestBody;
  } catch {
    throw new PairingError('The pairing request does not open with this code: it is not genuine.');
  }
  if (request.kind !== 'pair-request' || request.rid !== rid || typeof request.recipient !== 'string')
    throw new PairingError('The pairing request is malformed or for another code.');
  if (now.getTime() - Date.parse(request.at) > PAIRING_EXPIRES_MS)
    throw new PairingError(
      'This pairing request is more than an hour old; start pairing again on the new device.',
    );
  const recovery = device.secrets.recipients.find((r) => r.label === RECOVERY_LABEL);
  if (!recovery) throw new PairingError('This device has no recovery recipient on its trusted list.');
  return {
    name: request.name,
    recipient: request.recipient,
    check: checkString(secret, request.recipient),
    async approve() {
      const body: ReplyBody = {
        kind: 'pair-reply',
        rid,
        recipient: request.recipient,
        indexIdentity: device.secrets.indexIdentity,
        authKey: device.secrets.authKey.toString('base64'),
        recoveryRecipient: recovery.recipient,
        dataIdentities: device.secrets.dataIdentities ?? [],
        by: device.settings.deviceName,
        at: new Date().toISOString(),
      };
      const proof = mac(secret, 'reply', JSON.stringify(body)).toString('hex');
      const sealedReply = await encryptBuffer(Buffer.from(JSON.stringify({ ...body, proof })), [
        request.recipient,
      ]);
      await trustRecipient(device, {
        recipient: request.recipient,
        label: request.name,
        deviceId: typeof request.deviceId === 'string' ? request.deviceId : '',
      });
      await syncTrustedList(device);
      await writeFileAtomic(files.reply, sealedReply, 0o644);
    },
  };
}
