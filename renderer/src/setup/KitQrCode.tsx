// A QR code (dark on white in both themes, so any scanner reads it): the recovery key lines of a kit, or
// the pairing code a new computer shows while it waits.
import { useMemo } from 'react';
import { qrShape } from './qr-path.js';

const QUIET_ZONE = 4;

export function QrCode({ text, label, className }: { text: string; label: string; className: string }) {
  const { size, path } = useMemo(() => qrShape(text, QUIET_ZONE), [text]);
  const side = size + 2 * QUIET_ZONE;
  return (
    <svg
      className={className}
      viewBox={`0 0 ${side} ${side}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
    >
      <rect width={side} height={side} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

export function KitQrCode({ keyLines }: { keyLines: string }) {
  return <QrCode text={keyLines} label="QR code of the recovery key" className="kit-qr" />;
}
