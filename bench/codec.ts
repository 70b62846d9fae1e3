// The codec against the age CLI and typage on one 512 MiB random file. MB = 10^6 bytes; speeds are
// plaintext bytes per second, best of ROUNDS (the rounds interleave the contenders, the machine is noisy).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Encrypter } from 'age-encryption';
import { createEncryptStream } from '../src/core/age/index.js';
import type { SectionResult } from './run.js';

const SIZE = 512 * 1024 * 1024;
/** typage runs at tens of MB/s: it is timed on this prefix of the input. */
const TYPAGE_SIZE = 64 * 1024 * 1024;
const ROUNDS = 3;
const TARGETS = { vsCli: 0.75, vsTypage: 8, peakRssMB: 150 };

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const log = (message: string) => process.stderr.write(`  ${message}\n`);

async function writeRandomFile(path: string, size: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let off = 0; off < size; off += 16 << 20)
      await file.write(randomBytes(Math.min(16 << 20, size - off)));
  } finally {
    await file.close();
  }
}

/** Runs a command with stdout to /dev/null; resolves to its wall-clock seconds. */
async function timeCommand(command: string, args: string[]): Promise<number> {
  const devNull = await open('/dev/null', 'w');
  try {
    const start = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', devNull.fd, 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr.trim()}`);
    return (performance.now() - start) / 1000;
  } finally {
    await devNull.close();
  }
}

interface ChildResult {
  encryptSeconds: number;
  decryptSeconds: number;
  maxRssKB: number;
  startRssKB: number;
}

async function codecChild(input: string, ciphertext: string, recipient: string, keyFile: string) {
  const child = join(root, 'bench', 'codec-child.mjs');
  const { stdout } = await run(process.execPath, [child, input, ciphertext, recipient, keyFile], {
    cwd: root,
  });
  return JSON.parse(stdout) as ChildResult;
}

/** typage's own streaming API on the first TYPAGE_SIZE bytes of the file; output is read and dropped. */
async function timeTypage(input: string, recipient: string): Promise<number> {
  const blob = (await openAsBlob(input)).slice(0, TYPAGE_SIZE);
  const start = performance.now();
  const e = new Encrypter();
  e.addRecipient(recipient);
  const reader = (await e.encrypt(blob.stream())).getReader();
  while (!(await reader.read()).done) {}
  return (performance.now() - start) / 1000;
}

export async function codec(): Promise<SectionResult> {
  const dir = await mkdtemp(join(tmpdir(), 'puddleproof-bench-'));
  try {
    const input = join(dir, 'input.bin');
    const ciphertext = join(dir, 'input.bin.age');
    const keyFile = join(dir, 'key.txt');
    log(`writing ${SIZE >> 20} MiB of random bytes to ${dir}`);
    await writeRandomFile(input, SIZE);
    await run('age-keygen', ['-o', keyFile]);
    const recipient = (await run('age-keygen', ['-y', keyFile])).stdout.trim();
    await pipeline(
      createReadStream(input),
      await createEncryptStream([recipient]),
      createWriteStream(ciphertext),
    );

    const seconds = {
      encrypt: [] as number[],
      decrypt: [] as number[],
      cliEnc: [] as number[],
      cliDec: [] as number[],
    };
    const typageSeconds: number[] = [];
    let maxRssKB = 0;
    let startRssKB = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}/${ROUNDS}: codec`);
      const child = await codecChild(input, ciphertext, recipient, keyFile);
      seconds.encrypt.push(child.encryptSeconds);
      seconds.decrypt.push(child.decryptSeconds);
      maxRssKB = Math.max(maxRssKB, child.maxRssKB);
      startRssKB = Math.max(startRssKB, child.startRssKB);
      log(`round ${round}/${ROUNDS}: age CLI`);
      seconds.cliEnc.push(await timeCommand('age', ['-r', recipient, input]));
      seconds.cliDec.push(await timeCommand('age', ['-d', '-i', keyFile, ciphertext]));
      log(`round ${round}/${ROUNDS}: typage`);
      typageSeconds.push(await timeTypage(input, recipient));
    }

    const mbps = (bytes: number, s: number[]) => bytes / 1e6 / Math.min(...s);
    const values = {
      encryptMBps: mbps(SIZE, seconds.encrypt),
      decryptMBps: mbps(SIZE, seconds.decrypt),
      ageCliEncryptMBps: mbps(SIZE, seconds.cliEnc),
      ageCliDecryptMBps: mbps(SIZE, seconds.cliDec),
      typageEncryptMBps: mbps(TYPAGE_SIZE, typageSeconds),
      peakRssMB: (maxRssKB * 1024) / 1e6,
    };
    const speed = (v: number) => `${v.toFixed(0)} MB/s`;
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
    const vs = (ours: number, theirs: number, target: number, name: string) =>
      `${(ours / theirs).toFixed(2)}x ${name}; target >= ${target}x: ${verdict(ours >= target * theirs)}`;
    const rows: SectionResult['rows'] = [
      [
        'codec encrypt',
        speed(values.encryptMBps),
        vs(values.encryptMBps, values.ageCliEncryptMBps, TARGETS.vsCli, 'age CLI'),
      ],
      ['', '', vs(values.encryptMBps, values.typageEncryptMBps, TARGETS.vsTypage, 'typage')],
      [
        'codec decrypt',
        speed(values.decryptMBps),
        vs(values.decryptMBps, values.ageCliDecryptMBps, TARGETS.vsCli, 'age CLI'),
      ],
      ['age CLI encrypt', speed(values.ageCliEncryptMBps), `age -r R FILE > /dev/null`],
      ['age CLI decrypt', speed(values.ageCliDecryptMBps), `age -d -i K FILE.age > /dev/null`],
      [
        'typage encrypt',
        speed(values.typageEncryptMBps),
        `its streaming API, on a ${TYPAGE_SIZE >> 20} MiB prefix`,
      ],
      [
        'codec peak RSS',
        `${values.peakRssMB.toFixed(0)} MB`,
        `encrypt + decrypt in a child; target < ${TARGETS.peakRssMB} MB: ${verdict(values.peakRssMB < TARGETS.peakRssMB)}`,
      ],
      ['', '', `(of which ${((startRssKB * 1024) / 1e6).toFixed(0)} MB before any work: node and modules)`],
      ['', '', `${SIZE >> 20} MiB random input, best of ${ROUNDS}, MB = 10^6 bytes`],
    ];
    return { values, rows };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
