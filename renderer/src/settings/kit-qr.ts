// Reading the recovery kit from a camera frame: is there a camera, does a frame hold a QR code whose
// text looks like a kit (the engine checks it for real), and what to say when the camera fails.
import jsqr from 'jsqr';

/** A frame's pixels, RGBA row by row (the shape of a canvas's ImageData). */
export interface Frame {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

type Decode = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options: { inversionAttempts: 'dontInvert' },
) => { data: string } | null;
// jsqr is CommonJS marked __esModule: the bundle's import gives its default export, Node gives the module.
const decode = ((jsqr as unknown as { default?: Decode }).default ?? jsqr) as unknown as Decode;

const AUTH_LINE = /^# puddleproof-auth-key: \S+$/m;
const KEY_LINE = /^AGE-SECRET-KEY-\S+$/m;

/** Whether `text` has a kit's lines (its authentication key line and an age identity). */
export function looksLikeKit(text: string): boolean {
  return AUTH_LINE.test(text) && KEY_LINE.test(text);
}

/** The kit text of the QR code in `frame`, or null when there is none or it holds something else. */
export function kitInFrame(frame: Frame): string | null {
  const code = decode(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' });
  return code && looksLikeKit(code.data) ? code.data : null;
}

/** Whether the devices listed by enumerateDevices include a camera. */
export function hasCamera(devices: readonly { kind: string }[]): boolean {
  return devices.some((d) => d.kind === 'videoinput');
}

/** The plain message for a camera that could not start (getUserMedia's error). */
export function cameraProblem(err: unknown): string {
  const { name, message } = (err ?? {}) as { name?: unknown; message?: unknown };
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Puddleproof was not allowed to use the camera.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera could not start: another app may be using it.';
    default:
      return `The camera could not start${message ? ` (${String(message)})` : ''}.`;
  }
}
