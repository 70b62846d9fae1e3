// The one permission the window gets: the camera (video alone, never the microphone), asked by our own
// page's main frame, to scan the recovery kit's QR code in the recovery drill. Everything else is denied.
import { isAppUrl } from './app-url.js';

/** What the rule reads of Electron's details of a permission request or check. */
export interface PermissionDetails {
  /** Whether the asking frame is the window's main frame. */
  isMainFrame: boolean;
  /** The page that asks (a request's requestingUrl; a check's requestingOrigin). */
  requestingUrl?: string;
  /** The security origin of a media request or check, when Electron gives one. */
  securityOrigin?: string;
  /** Set for cross-origin subframes only. */
  embeddingOrigin?: string;
  /** A media request's kinds. */
  mediaTypes?: readonly string[];
  /** A media check's kind ('video', 'audio' or 'unknown'). */
  mediaType?: string;
}

/** Whether `permission` is granted: only 'media' for video alone, from our own page's main frame. */
export function allowsPermission(permission: string, details: PermissionDetails): boolean {
  if (permission !== 'media' || !details.isMainFrame || details.embeddingOrigin !== undefined) return false;
  const kinds = details.mediaTypes ?? (details.mediaType === undefined ? [] : [details.mediaType]);
  if (kinds.length === 0 || kinds.some((kind) => kind !== 'video')) return false;
  const { requestingUrl, securityOrigin } = details;
  return (
    requestingUrl !== undefined &&
    isAppUrl(requestingUrl) &&
    (securityOrigin === undefined || isAppUrl(securityOrigin))
  );
}
