// The recovery key as a QR code: one SVG path of its dark modules (no HTML strings, no images).
import qrcode from 'qrcode-generator';

export interface QrShape {
  /** Modules per side, without the quiet zone. */
  size: number;
  /** Path data drawing each dark module as a 1×1 square, offset by the quiet zone. */
  path: string;
}

/** Encodes `text` (byte mode, medium error correction, smallest version that fits). */
export function qrShape(text: string, quietZone = 4): QrShape {
  const code = qrcode(0, 'M');
  code.addData(text, 'Byte');
  code.make();
  const size = code.getModuleCount();
  const parts: string[] = [];
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (code.isDark(row, col)) parts.push(`M${col + quietZone} ${row + quietZone}h1v1h-1z`);
    }
  }
  return { size, path: parts.join('') };
}
