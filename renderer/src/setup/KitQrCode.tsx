// The recovery key lines as a QR code (dark on white in both themes, so any scanner reads it).
import { useMemo } from 'react';
import { qrShape } from './qr-path.js';

const QUIET_ZONE = 4;

export function KitQrCode({ keyLines }: { keyLines: string }) {
  const { size, path } = useMemo(() => qrShape(keyLines, QUIET_ZONE), [keyLines]);
  const side = size + 2 * QUIET_ZONE;
  return (
    <svg
      className="kit-qr"
      viewBox={`0 0 ${side} ${side}`}
      role="img"
      aria-label="QR code of the recovery key"
      shapeRendering="crispEdges"
    >
      <rect width={side} height={side} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
