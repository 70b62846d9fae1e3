// Whether an IPC request comes from our own window's main frame showing our own page. Pure (no
// electron import), so every refusal is tested without Electron.
import { isAppUrl } from './app-url.js';

/** The parts of Electron's WebFrameMain the check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly processId: number;
  readonly routingId: number;
}

/** The parts of Electron's WebContents the check reads. */
export interface ContentsLike {
  readonly id: number;
  readonly mainFrame: FrameLike;
}

/**
 * True only when `sender` is our window's web contents, `frame` is its main frame (not a subframe)
 * and the frame shows a page of our app:// origin. Anything missing or unreadable means no.
 */
export function isTrustedSender(
  sender: ContentsLike | null | undefined,
  frame: FrameLike | null | undefined,
  ours: ContentsLike | null | undefined,
): boolean {
  try {
    if (!sender || !frame || !ours) return false;
    if (sender !== ours && sender.id !== ours.id) return false;
    if (frame.parent !== null) return false;
    const main = ours.mainFrame;
    const sameFrame =
      frame === main || (frame.processId === main.processId && frame.routingId === main.routingId);
    return sameFrame && isAppUrl(frame.url);
  } catch {
    // A destroyed frame or window throws on access: not a sender we answer.
    return false;
  }
}
