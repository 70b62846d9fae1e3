// A fake camera's video for Chromium (--use-file-for-fake-video-capture): a YUV4MPEG2 file whose frames
// show a QR code of some text, black on white, centred with a quiet zone, made with qrcode-generator the
// way the window draws the kit's code (byte mode, level M).
import qrcode from 'qrcode-generator';

/** The picture's size and how many (identical) frames the video has; Chromium loops it. */
export interface QrVideoOptions {
  width?: number;
  height?: number;
  frames?: number;
}

const QUIET_ZONE = 4;

/** The QR code of `text` as a luma plane (0 black, 255 white), width × height, row by row. */
export function qrLuma(text: string, width: number, height: number): Uint8Array {
  const code = qrcode(0, 'M');
  code.addData(text, 'Byte');
  code.make();
  const modules = code.getModuleCount();
  const scale = Math.floor(Math.min(width, height) / (modules + 2 * QUIET_ZONE));
  if (scale < 2) throw new Error(`a ${modules}-module code does not fit ${width}×${height}`);
  const left = Math.floor((width - modules * scale) / 2);
  const top = Math.floor((height - modules * scale) / 2);
  const luma = new Uint8Array(width * height).fill(255);
  for (let row = 0; row < modules; row++)
    for (let col = 0; col < modules; col++) {
      if (!code.isDark(row, col)) continue;
      for (let y = 0; y < scale; y++) {
        const start = (top + row * scale + y) * width + left + col * scale;
        luma.fill(0, start, start + scale);
      }
    }
  return luma;
}

/** A luma plane as grey RGBA pixels, as a canvas's getImageData gives a picture. */
export function rgbaOf(luma: Uint8Array): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(luma.length * 4).fill(255);
  for (let i = 0; i < luma.length; i++) rgba.fill(luma[i] ?? 255, i * 4, i * 4 + 3);
  return rgba;
}

/** A YUV4MPEG2 (4:2:0, full range, 30 fps) video of `text`'s QR code: 640×480, 3 frames by default. */
export function qrVideo(
  text: string,
  { width = 640, height = 480, frames = 3 }: QrVideoOptions = {},
): Buffer {
  const luma = qrLuma(text, width, height);
  // Grey: both chroma planes at their middle value, each a quarter of the picture.
  const chroma = Buffer.alloc(2 * (width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`);
  return Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]);
}
