// Runs `puddleproof` as a separate process against a temporary profile, folders and the real keychain.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import keytar from '@github/keytar';
import { keychainService, loadSettings } from '../../src/core/profile.js';

const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));
/** Node arguments that run the CLI from TypeScript source. */
export const CLI_ARGS = ['--import', 'tsx', ENTRY];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A temporary world: watch and cloud folders, a profile home, and where the kit goes. */
export interface Sandbox {
  root: string;
  watch: string;
  cloud: string;
  home: string;
  kit: string;
  /** Runs the CLI with this sandbox's profile (or `home`). */
  run(args: string[], opts?: { home?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** Starts the CLI without waiting (for kill tests). */
  start(args: string[], opts?: { home?: string }): ChildProcess;
  /** Removes the folders and every keychain entry of the profiles used. */
  cleanup(): Promise<void>;
}

export async function makeSandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'puddleproof-test-'));
  const sandbox = {
    root,
    watch: join(root, 'watch'),
    cloud: join(root, 'cloud'),
    home: join(root, 'home'),
    kit: join(root, 'recovery-kit.txt'),
  };
  await mkdir(sandbox.watch);
  await mkdir(sandbox.cloud);
  const homes = new Set<string>([sandbox.home]);
  const env = (home: string, extra?: NodeJS.ProcessEnv) => ({
    ...process.env,
    PUDDLEPROOF_HOME: home,
    ...extra,
  });
  return {
    ...sandbox,
    run(args, opts = {}) {
      const home = opts.home ?? sandbox.home;
      homes.add(home);
      return new Promise((resolve) => {
        execFile(
          process.execPath,
          [...CLI_ARGS, ...args],
          { env: env(home, opts.env), maxBuffer: 64 * 1024 * 1024 },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      });
    },
    start(args, opts = {}) {
      const home = opts.home ?? sandbox.home;
      homes.add(home);
      return spawn(process.execPath, [...CLI_ARGS, ...args], { env: env(home), stdio: 'ignore' });
    },
    async cleanup() {
      for (const home of homes) {
        const settings = await loadSettings(home).catch(() => null);
        if (!settings) continue;
        const service = keychainService(settings);
        for (const { account } of await keytar.findCredentials(service))
          await keytar.deletePassword(service, account);
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}
