// Serves the renderer's files (dist/renderer) as app://puddleproof/…, our own privileged scheme in place
// of file://, with the Content-Security-Policy as a response header. A request can only ever read a file
// under the root: dot segments, encoded separators and links that lead out are refused.
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { CustomScheme, Protocol } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../shared/csp.js';
import { APP_SCHEME, isAppUrl } from './app-url.js';

/** Our scheme as Chromium must know it before the app is ready: a standard, secure origin. */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/** Where a request URL points inside `root`, or why it is refused. */
export type AppPath = { ok: true; path: string } | { ok: false; status: 400 | 404 };

/**
 * Maps app://puddleproof/a/b.js to ROOT/a/b.js ("/" to index.html). Each path segment is decoded on
 * its own and refused if it is "." or "..", or holds a separator, NUL or drive colon once decoded.
 */
export function resolveAppPath(rawUrl: string, root: string): AppPath {
  if (!isAppUrl(rawUrl)) return { ok: false, status: 404 };
  const segments: string[] = [];
  for (const raw of new URL(rawUrl).pathname.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400 };
    }
    if (segment === '.' || segment === '..' || /[/\\\0:]/.test(segment)) return { ok: false, status: 400 };
    segments.push(segment);
  }
  const base = resolve(root);
  const path = resolve(base, ...(segments.length ? segments : ['index.html']));
  return path.startsWith(base + sep) ? { ok: true, path } : { ok: false, status: 400 };
}

function respond(status: number, body: Buffer | string | null, contentType = 'text/plain; charset=utf-8') {
  return new Response(body, {
    status,
    headers: {
      'Content-Type': contentType,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

/** Answers one request of our scheme from the files under `root` (GET and HEAD only). */
export async function serveAppRequest(
  request: { url: string; method: string },
  root: string,
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'Method not allowed');
  const target = resolveAppPath(request.url, root);
  if (!target.ok) return respond(target.status, target.status === 404 ? 'Not found' : 'Bad request');
  try {
    // A link inside the root must not lead out of it.
    const [real, realRoot] = await Promise.all([realpath(target.path), realpath(root)]);
    if (!real.startsWith(realRoot + sep) || !(await stat(real)).isFile()) return respond(404, 'Not found');
    const type = CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream';
    return respond(200, request.method === 'HEAD' ? null : await readFile(real), type);
  } catch {
    return respond(404, 'Not found');
  }
}

/** Declares our scheme privileged; must run before the app is ready. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
}

/** Serves `root` on our scheme (after the app is ready). */
export function handleAppProtocol(protocol: Pick<Protocol, 'handle'>, root: string): void {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, root));
}
