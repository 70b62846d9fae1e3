// The one permission main grants: the camera (video alone) for our own page's main frame. Every other
// permission, media kind, page, frame or origin is denied.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APP_ENTRY_URL } from '../../src/main/app-url.js';
import { allowsPermission, type PermissionDetails } from '../../src/main/permissions.js';

const OUR_ORIGIN = 'app://puddleproof';
/** A camera request as Electron describes one from our page. */
const CAMERA_REQUEST: PermissionDetails = {
  isMainFrame: true,
  requestingUrl: APP_ENTRY_URL,
  securityOrigin: `${OUR_ORIGIN}/`,
  mediaTypes: ['video'],
};
/** The matching check (Electron gives the requesting origin; the handler passes it as requestingUrl). */
const CAMERA_CHECK: PermissionDetails = {
  isMainFrame: true,
  requestingUrl: OUR_ORIGIN,
  securityOrigin: `${OUR_ORIGIN}/`,
  mediaType: 'video',
};

describe('allowsPermission', () => {
  test('grants a camera request and check from our own page', () => {
    assert.equal(allowsPermission('media', CAMERA_REQUEST), true);
    assert.equal(allowsPermission('media', CAMERA_CHECK), true);
    assert.equal(allowsPermission('media', { ...CAMERA_CHECK, securityOrigin: undefined }), true);
  });

  test('denies the microphone, with or without the camera, and media of no or unknown kind', () => {
    for (const mediaTypes of [['audio'], ['video', 'audio'], ['audio', 'video'], []]) {
      assert.equal(allowsPermission('media', { ...CAMERA_REQUEST, mediaTypes }), false, String(mediaTypes));
    }
    for (const mediaType of ['audio', 'unknown', undefined]) {
      assert.equal(allowsPermission('media', { ...CAMERA_CHECK, mediaType }), false, String(mediaType));
    }
  });

  test('denies every other permission, even from our own page', () => {
    for (const permission of [
      'display-capture',
      'geolocation',
      'notifications',
      'openExternal',
      'clipboard-read',
      'mediaKeySystem',
      'fileSystem',
      'unknown',
    ]) {
      assert.equal(allowsPermission(permission, CAMERA_REQUEST), false, permission);
      assert.equal(allowsPermission(permission, CAMERA_CHECK), false, permission);
    }
  });

  test('denies other pages and origins, subframes and frames embedded elsewhere', () => {
    for (const url of [
      'https://evil.example/',
      'file:///app/dist/renderer/index.html',
      'app://other/index.html',
      'app://user@puddleproof/index.html',
      'app://puddleproof:8080/index.html',
      'http://puddleproof/index.html',
      'not a url',
    ]) {
      assert.equal(allowsPermission('media', { ...CAMERA_REQUEST, requestingUrl: url }), false, url);
      assert.equal(allowsPermission('media', { ...CAMERA_CHECK, requestingUrl: url }), false, url);
      assert.equal(allowsPermission('media', { ...CAMERA_REQUEST, securityOrigin: url }), false, url);
    }
    assert.equal(allowsPermission('media', { ...CAMERA_REQUEST, requestingUrl: undefined }), false);
    assert.equal(allowsPermission('media', { ...CAMERA_REQUEST, isMainFrame: false }), false);
    assert.equal(
      allowsPermission('media', { ...CAMERA_CHECK, embeddingOrigin: 'https://evil.example' }),
      false,
    );
  });
});
