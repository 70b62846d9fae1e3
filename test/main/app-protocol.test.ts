// The app:// protocol: resolution confined to the renderer folder (plain, dot-segment and
// percent-encoded escapes, links out), and responses with the CSP header, served from real files.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  APP_SCHEME_PRIVILEGES,
  handleAppProtocol,
  registerAppScheme,
  resolveAppPath,
  serveAppRequest,
} from '../../src/main/app-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp.js';

const SECRET = 'the secret next door';
let dir: string;
let root: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'puddleproof-protocol-'));
  root = join(dir, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Puddleproof</title>');
  await writeFile(join(root, 'assets', 'app.js'), 'console.log(1);');
  await writeFile(join(root, 'assets', 'app.css'), 'body{}');
  await writeFile(join(root, 'assets', 'with space.svg'), '<svg/>');
  await writeFile(join(dir, 'secret.txt'), SECRET);
  // A sibling whose name starts like the root's.
  await mkdir(join(dir, 'renderer-private'));
  await writeFile(join(dir, 'renderer-private', 'secret.txt'), SECRET);
  await symlink(join(dir, 'secret.txt'), join(root, 'assets', 'link-out.txt'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveAppPath', () => {
  test('maps our URLs to files under the root; "/" is index.html', () => {
    assert.deepEqual(resolveAppPath('app://puddleproof/', root), {
      ok: true,
      path: join(root, 'index.html'),
    });
    assert.deepEqual(resolveAppPath('app://puddleproof/index.html?x=1#top', root), {
      ok: true,
      path: join(root, 'index.html'),
    });
    assert.deepEqual(resolveAppPath('app://puddleproof/assets/with%20space.svg', root), {
      ok: true,
      path: join(root, 'assets', 'with space.svg'),
    });
  });

  test('dot segments the URL parser resolves stay inside the root', () => {
    for (const url of [
      'app://puddleproof/../secret.txt',
      'app://puddleproof/assets/../../secret.txt',
      'app://puddleproof/%2e%2e/secret.txt',
      'app://puddleproof/.%2E/.%2e/secret.txt',
    ]) {
      const result = resolveAppPath(url, root);
      assert.deepEqual(result, { ok: true, path: join(root, 'secret.txt') }, url);
    }
  });

  test('encoded separators, NUL and drive colons are refused', () => {
    for (const url of [
      'app://puddleproof/..%2fsecret.txt',
      'app://puddleproof/assets/..%2F..%2Fsecret.txt',
      'app://puddleproof/..%5csecret.txt',
      'app://puddleproof/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://puddleproof/%2Fetc%2Fpasswd',
      'app://puddleproof/index.html%00.png',
      'app://puddleproof/C:%5cWindows%5cwin.ini',
      'app://puddleproof/%E0%A4%A',
    ]) {
      assert.deepEqual(resolveAppPath(url, root), { ok: false, status: 400 }, url);
    }
  });

  test('other hosts, schemes and look-alikes are not ours', () => {
    for (const url of [
      'app://evil/index.html',
      'app://puddleproof.evil/index.html',
      'app://puddleproof@evil/index.html',
      'file:///etc/passwd',
      'https://puddleproof/index.html',
    ]) {
      assert.deepEqual(resolveAppPath(url, root), { ok: false, status: 404 }, url);
    }
  });
});

describe('serveAppRequest', () => {
  const get = (url: string, method = 'GET') => serveAppRequest({ url, method }, root);

  test('serves files with their content type, the CSP header and nosniff', async () => {
    const page = await get('app://puddleproof/');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(page.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await page.text(), '<!doctype html><title>Puddleproof</title>');
    const script = await get('app://puddleproof/assets/app.js');
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(await script.text(), 'console.log(1);');
    assert.equal(
      (await get('app://puddleproof/assets/app.css')).headers.get('content-type'),
      'text/css; charset=utf-8',
    );
  });

  test('HEAD has no body; other methods are refused', async () => {
    const head = await get('app://puddleproof/index.html', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal((await get('app://puddleproof/index.html', 'POST')).status, 405);
  });

  test('nothing outside the root is ever served, by any route', async () => {
    const attempts = [
      ['app://puddleproof/../secret.txt', 404],
      ['app://puddleproof/..%2fsecret.txt', 400],
      ['app://puddleproof/..%2frenderer-private%2fsecret.txt', 400],
      ['app://puddleproof/assets/link-out.txt', 404],
      ['app://puddleproof/assets', 404],
      ['app://puddleproof/missing.js', 404],
      ['app://evil/../secret.txt', 404],
    ] as const;
    for (const [url, status] of attempts) {
      const response = await get(url);
      assert.equal(response.status, status, url);
      assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, url);
      assert.ok(!(await response.text()).includes(SECRET), url);
    }
  });
});

describe('registration', () => {
  test('the scheme is declared standard and secure, and handled from the root', async () => {
    const declared: unknown[] = [];
    registerAppScheme({ registerSchemesAsPrivileged: (schemes) => declared.push(...schemes) });
    assert.deepEqual(declared, [APP_SCHEME_PRIVILEGES]);
    assert.equal(APP_SCHEME_PRIVILEGES.privileges?.standard, true);
    assert.equal(APP_SCHEME_PRIVILEGES.privileges?.secure, true);
    assert.equal(APP_SCHEME_PRIVILEGES.privileges?.bypassCSP, undefined);

    const handled = new Map<string, (request: Request) => Response | Promise<Response>>();
    handleAppProtocol({ handle: (scheme, handler) => handled.set(scheme, handler) }, root);
    const handler = handled.get('app');
    assert.ok(handler);
    const response = await handler(new Request('app://puddleproof/assets/app.js'));
    assert.equal(await response.text(), 'console.log(1);');
  });
});
