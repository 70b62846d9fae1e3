#!/usr/bin/env node
// Runs a command with a reachable OS keychain. On Linux without a Secret Service (CI, a bare
// machine), it starts a private D-Bus session with a fresh, unlocked gnome-keyring for the run.
// Usage: node scripts/with-keyring.mjs COMMAND [ARGS...]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSIDE = '--inside-private-session';
const args = process.argv.slice(2);

/** True when keytar can talk to a Secret Service from a fresh process (which rules out a hang). */
function keychainReachable() {
  const probe =
    "require('@github/keytar').findCredentials('puddleproof-probe').then(()=>process.exit(0),()=>process.exit(1))";
  const r = spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/** True when keytar can store, read and delete a secret (the login keyring exists and is unlocked). */
function keychainWritable() {
  const probe = `const k = require('@github/keytar');
    k.setPassword('puddleproof-probe', 'probe', 'ok').then(() => k.getPassword('puddleproof-probe', 'probe'))
      .then((v) => k.deletePassword('puddleproof-probe', 'probe').then(() => process.exit(v === 'ok' ? 0 : 1)))
      .catch(() => process.exit(1))`;
  const r = spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/**
 * Waits until the keyring daemon owns the Secret Service name on the bus, so that no client call
 * makes D-Bus start a second daemon, whose login keyring would be missing and locked.
 */
function waitForSecretService(env) {
  const ask = [
    '--session',
    '--print-reply',
    '--dest=org.freedesktop.DBus',
    '/org/freedesktop/DBus',
    'org.freedesktop.DBus.NameHasOwner',
    'string:org.freedesktop.secrets',
  ];
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('dbus-send', ask, { env, encoding: 'utf8' });
    if (r.stdout?.includes('boolean true')) return true;
    spawnSync('sleep', ['0.1']);
  }
  return false;
}

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function run(command, commandArgs, env) {
  const child = spawn(command, commandArgs, { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

async function insidePrivateSession(command) {
  const home = mkdtempSync(join(tmpdir(), 'puddleproof-keyring-'));
  const env = { ...process.env, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config') };
  // --unlock reads the new login keyring's password from stdin, creates and unlocks it.
  const daemon = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
    input: 'puddleproof-test-keyring\n',
    env,
    encoding: 'utf8',
  });
  if (daemon.status !== 0) {
    console.error(`gnome-keyring-daemon failed to start: ${daemon.stderr}`);
    return 1;
  }
  for (const line of daemon.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  process.env = env;
  if (!waitForSecretService(env) || !keychainWritable()) {
    console.error('The private gnome-keyring started, but secrets cannot be stored in it.');
    return 1;
  }
  env.PUDDLEPROOF_TEST_KEYRING = 'private';
  try {
    return await run(command[0], command.slice(1), env);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function main() {
  if (args[0] === INSIDE) return insidePrivateSession(args.slice(1));
  if (args.length === 0) {
    console.error('usage: with-keyring.mjs COMMAND [ARGS...]');
    return 2;
  }
  if (process.platform !== 'linux' || keychainReachable()) return run(args[0], args.slice(1), process.env);
  const missing = ['dbus-run-session', 'gnome-keyring-daemon'].filter((c) => !has(c));
  if (missing.length) {
    console.error(
      `No Secret Service is reachable and ${missing.join(' and ')} is not installed.\n` +
        'Install the test packages (Debian/Ubuntu): sudo apt-get install dbus gnome-keyring libsecret-1-0 age',
    );
    return 1;
  }
  return run(
    'dbus-run-session',
    ['--', process.execPath, new URL(import.meta.url).pathname, INSIDE, ...args],
    {
      ...process.env,
    },
  );
}

process.exit(await main());
