// electron-builder.yml against the JSON schema electron-builder ships (app-builder-lib/scheme.json,
// draft-07), plus what the schema cannot know: the fuses we require, the files it names exist, and
// the native modules it unpacks are installed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { TRAY_ICON_STATES, trayIconFile } from '../../src/main/tray/tray-icons.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const schema = JSON.parse(readFileSync(join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));
const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

/** The schema's validator; its one custom keyword, `typeof` (for hook functions), checked as written. */
function validator() {
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
  ajv.addKeyword({
    keyword: 'typeof',
    schemaType: 'string',
    validate: (type: string, data: unknown) => typeof data === type,
  });
  return ajv.compile(schema);
}

describe('electron-builder.yml', () => {
  const validate = validator();

  test('is valid against electron-builder’s own schema', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const valid = validate(config);
    assert.equal(valid, true, JSON.stringify(validate.errors, null, 2));
  });

  test('broken copies are rejected (the check can fail)', () => {
    const broken: [string, Record<string, unknown>][] = [
      ['a misspelt key', { ...config, appID: 'x' }],
      ['a fuse that is not a boolean', { ...config, electronFuses: { runAsNode: 'no' } }],
      ['an unknown fuse', { ...config, electronFuses: { runAsNodeEverywhere: false } }],
      ['an unknown mac option', { ...config, mac: { ...(config.mac as object), hardenedRuntimes: true } }],
      ['a target of the wrong type', { ...config, win: { target: 42 } }],
    ];
    for (const [what, copy] of broken) {
      assert.equal(validate(copy), false, what);
    }
  });

  test('names the app and packages AppImage and deb, dmg with hardened runtime, and nsis', () => {
    assert.equal(config.appId, 'app.puddleproof.desktop');
    assert.equal(config.productName, 'Puddleproof');
    const linux = config.linux as { target: string[] };
    const mac = config.mac as { target: string; hardenedRuntime: boolean; entitlements: string };
    const win = config.win as { target: string };
    assert.deepEqual(linux.target, ['AppImage', 'deb']);
    assert.equal(mac.target, 'dmg');
    assert.equal(mac.hardenedRuntime, true);
    assert.equal(win.target, 'nsis');
  });

  test('sets the security fuses', () => {
    assert.deepEqual(config.electronFuses, {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  test('the icon and entitlements it names exist; the entitlements allow JIT and the camera, nothing broader', () => {
    assert.ok(existsSync(join(root, config.icon as string)));
    const mac = config.mac as { entitlements: string; entitlementsInherit: string };
    for (const path of [mac.entitlements, mac.entitlementsInherit]) {
      const plist = readFileSync(join(root, path), 'utf8');
      assert.match(plist, /<key>com\.apple\.security\.cs\.allow-jit<\/key>\s*<true\/>/);
      // The camera scans the kit's QR code in the recovery drill; macOS shows the reason when it asks.
      assert.match(plist, /<key>com\.apple\.security\.device\.camera<\/key>\s*<true\/>/);
      assert.doesNotMatch(plist, /disable-library-validation|device\.audio-input|device\.microphone/);
    }
    const info = (config.mac as { extendInfo?: Record<string, string> }).extendInfo ?? {};
    assert.match(info.NSCameraUsageDescription ?? '', /recovery kit/);
    assert.equal(info.NSMicrophoneUsageDescription, undefined);
  });

  test('ships the built code and every icon main loads at run time', () => {
    const files = config.files as string[];
    /** Whether a path is packed: some pattern matches it and no "!" pattern excludes it. */
    const packed = (path: string) => {
      const matches = (glob: string) =>
        new RegExp(
          `^${glob
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*\*/g, '\0')
            .replace(/\*/g, '[^/]*')
            .replace(/\0/g, '.*')}$`,
        ).test(path);
      return (
        files.some((p) => !p.startsWith('!') && matches(p)) &&
        !files.some((p) => p.startsWith('!') && matches(p.slice(1)))
      );
    };
    assert.ok(packed('dist/main/main.js'));
    assert.ok(packed('dist/preload/preload.cjs'));
    assert.ok(packed('dist/core/app/engine-process.js'));
    assert.ok(packed('dist/renderer/index.html'));
    assert.ok(!packed('dist/main/main.js.map'), 'source maps stay out');
    assert.ok(!packed('src/main/main.ts'), 'sources stay out');
    assert.ok(packed('assets/icon.png'));
    for (const state of TRAY_ICON_STATES) {
      for (const platform of ['linux', 'win32', 'darwin'] as const) {
        const file = `assets/${trayIconFile(state, platform)}`;
        assert.ok(packed(file) && packed(file.replace(/\.png$/, '@2x.png')), file);
      }
    }
  });

  test('unpacks the native modules from asar, and those modules are installed', () => {
    const unpacked = config.asarUnpack as string[];
    assert.deepEqual(unpacked, ['node_modules/@github/keytar/**', 'node_modules/sodium-native/**']);
    for (const pattern of unpacked) {
      const dir = pattern.replace(/\/\*\*$/, '');
      assert.ok(existsSync(join(root, dir, 'package.json')), dir);
    }
  });
});
