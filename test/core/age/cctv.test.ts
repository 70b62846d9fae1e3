// Every vector of the community age test suite (C2SP CCTV, npm package cctv-age).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inflateSync } from 'node:zlib';
import * as vectors from 'cctv-age';
import {
  type AgeError,
  ArmorInvalidError,
  createDecryptStream,
  HeaderInvalidError,
  NoIdentityMatchedError,
  PayloadCorruptError,
} from '../../../src/core/age/index.js';
import { runThrough, sha256hex } from '../../helpers/streams.js';

interface Vector {
  meta: Map<string, string[]>;
  body: Buffer;
}

/** Splits a vector into its metadata (a multimap: `identity:` may repeat) and the age file. */
function parseVector(content: Uint8Array): Vector {
  const raw = Buffer.from(content);
  const split = raw.indexOf('\n\n');
  const meta = new Map<string, string[]>();
  for (const line of raw.subarray(0, split).toString('utf8').split('\n')) {
    const at = line.indexOf(': ');
    const key = line.slice(0, at);
    meta.set(key, [...(meta.get(key) ?? []), line.slice(at + 2)]);
  }
  let body = raw.subarray(split + 2);
  if (meta.get('compressed')?.[0] === 'zlib') body = inflateSync(body);
  return { meta, body };
}

const expectedError: Record<string, (new (...args: never[]) => AgeError)[]> = {
  'no match': [NoIdentityMatchedError],
  'HMAC failure': [HeaderInvalidError],
  'header failure': [HeaderInvalidError],
  'payload failure': [PayloadCorruptError],
  // Input that does not begin like armor at all ("garbage\n-----BEGIN…") is not an age file either.
  'armor failure': [ArmorInvalidError, HeaderInvalidError],
};

const entries = Object.entries(vectors).filter(([, v]) => v instanceof Uint8Array) as [string, Uint8Array][];

describe('cctv-age vectors', () => {
  test('the package has the full suite', () => {
    assert.ok(entries.length >= 140, `only ${entries.length} vectors`);
  });

  for (const [name, content] of entries) {
    test(name, async () => {
      const { meta, body } = parseVector(content);
      const expect = meta.get('expect')?.[0] ?? '';
      const stream = createDecryptStream({
        identities: meta.get('identity') ?? [],
        passphrases: meta.get('passphrase') ?? [],
      });
      // Small pieces exercise the header and chunk boundaries across writes.
      const { output, error } = await runThrough(stream, body, 4093);
      if (expect === 'success') {
        assert.equal(error, undefined, `expected success, got ${error?.message}`);
      } else {
        const allowed = expectedError[expect];
        assert.ok(allowed, `unknown expectation ${expect}`);
        assert.ok(error, `expected ${expect}, but decryption succeeded`);
        assert.ok(
          allowed.some((cls) => error instanceof cls),
          `expected ${expect}, got ${error.constructor.name}: ${error.message}`,
        );
      }
      const payload = meta.get('payload')?.[0];
      if (payload !== undefined) assert.equal(sha256hex(output), payload, 'released plaintext hash');
      else assert.equal(output.length, 0, 'no plaintext may be released before the header opens');
    });
  }
});
