#!/usr/bin/env node
// Draws the app's icons into assets/ (or the folder given as the first argument): a water drop, the
// tray's five states told apart by colour and a corner badge (the drill's reminder: a plain amber dot), each at 16 px (@1x) and 32 px (@2x), in
// colour and as macOS template images (black + alpha, "…Template.png"), and the 1024 px app icon
// electron-builder derives the .ico and .icns from. Output is deterministic; the files are committed.
// Usage: node scripts/make-icons.mjs [OUT_DIR]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

const root = new URL('..', import.meta.url).pathname;
const outDir = process.argv[2] ?? join(root, 'assets');

/** Tray states and how they look: the drop's colour and an optional badge. */
const STATES = {
  idle: { drop: [0x1f, 0x78, 0xd1], badge: null },
  working: { drop: [0x1f, 0x78, 0xd1], badge: { colour: [0x1e, 0x9e, 0x5a], mark: 'arrow' } },
  attention: { drop: [0xe0, 0x8a, 0x00], badge: { colour: [0xd3, 0x2f, 0x2f], mark: 'exclamation' } },
  paused: { drop: [0x80, 0x8a, 0x94], badge: { colour: [0x4a, 0x52, 0x5a], mark: 'pause' } },
  reminder: { drop: [0x1f, 0x78, 0xd1], badge: { colour: [0xe0, 0x8a, 0x00], mark: 'dot', radius: 0.2 } },
};
const TRAY_SIZES = [
  ['', 16],
  ['@2x', 32],
];
const SUPERSAMPLE = 4;
const CLEAR = [0, 0, 0, 0];
const WHITE = [255, 255, 255, 255];

/** A drop in the unit square: a circle with a cone up to its tip. */
function dropShape({ cx, cy, r, tipY }) {
  const d = cy - tipY;
  const angle = Math.acos(r / d);
  // Tangent points from the tip onto the circle, left and right.
  const px = r * Math.sin(angle);
  const py = cy - r * Math.cos(angle);
  return (x, y) => {
    if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) return true;
    if (y < tipY || y > py) return false;
    const halfWidth = (px * (y - tipY)) / (py - tipY);
    return Math.abs(x - cx) <= halfWidth;
  };
}

const inCircle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const inRect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;

/** The white mark inside a badge centred at (bx, by) with radius br. */
function badgeMark(kind, bx, by, br) {
  const u = (x) => bx + x * br;
  const v = (y) => by + y * br;
  if (kind === 'pause') {
    const left = inRect(u(-0.5), v(-0.5), u(-0.12), v(0.5));
    const right = inRect(u(0.12), v(-0.5), u(0.5), v(0.5));
    return (x, y) => left(x, y) || right(x, y);
  }
  if (kind === 'dot') return () => false;
  if (kind === 'exclamation') {
    const bar = inRect(u(-0.17), v(-0.62), u(0.17), v(0.18));
    const dot = inCircle(bx, v(0.45), 0.19 * br);
    return (x, y) => bar(x, y) || dot(x, y);
  }
  // An upward arrow: a triangle head over a stem.
  const stem = inRect(u(-0.16), v(-0.05), u(0.16), v(0.6));
  return (x, y) => {
    if (stem(x, y)) return true;
    const top = v(-0.62);
    const bottom = v(0.05);
    if (y < top || y > bottom) return false;
    return Math.abs(x - bx) <= (0.55 * br * (y - top)) / (bottom - top);
  };
}

/** A tray icon's colour at a point of the unit square; `template` draws black and alpha only. */
function trayScene(state, template) {
  const { drop, badge } = STATES[state];
  const inDrop = dropShape({ cx: 0.44, cy: 0.6, r: 0.33, tipY: 0.03 });
  const [bx, by, br, gap] = [0.74, 0.74, badge?.radius ?? 0.25, 0.07];
  const mark = badge ? badgeMark(badge.mark, bx, by, br) : () => false;
  const ink = (rgb) => (template ? [0, 0, 0, 255] : [...rgb, 255]);
  return (x, y) => {
    if (badge) {
      const d2 = (x - bx) ** 2 + (y - by) ** 2;
      if (d2 <= br * br) return mark(x, y) ? (template ? CLEAR : WHITE) : ink(badge.colour);
      if (d2 <= (br + gap) ** 2) return CLEAR;
    }
    return inDrop(x, y) ? ink(drop) : CLEAR;
  };
}

/** The app icon: a white drop on a rounded blue square. */
function appIconScene() {
  const inDrop = dropShape({ cx: 0.5, cy: 0.58, r: 0.22, tipY: 0.17 });
  // A crescent of light on the drop's left side.
  const outer = inCircle(0.5, 0.58, 0.16);
  const inner = inCircle(0.535, 0.545, 0.16);
  const highlight = (x, y) => outer(x, y) && !inner(x, y);
  const radius = 0.2;
  const [lo, hi] = [0.06, 0.94];
  const inRounded = (x, y) => {
    if (x < lo || x > hi || y < lo || y > hi) return false;
    const cx = Math.min(Math.max(x, lo + radius), hi - radius);
    const cy = Math.min(Math.max(y, lo + radius), hi - radius);
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius * radius;
  };
  return (x, y) => {
    if (!inRounded(x, y)) return CLEAR;
    if (inDrop(x, y)) return highlight(x, y) ? [0xa8, 0xd4, 0xff, 255] : WHITE;
    const t = (y - lo) / (hi - lo);
    const mix = (a, b) => Math.round(a + (b - a) * t);
    return [mix(0x4f, 0x17), mix(0xa8, 0x5a), mix(0xf7, 0xb8), 255];
  };
}

/** Renders a scene at `size` px with SUPERSAMPLE² samples per pixel (premultiplied averaging). */
function render(scene, size) {
  const png = new PNG({ width: size, height: size });
  const n = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const [cr, cg, cb, ca] = scene(
            (px + (sx + 0.5) / SUPERSAMPLE) / size,
            (py + (sy + 0.5) / SUPERSAMPLE) / size,
          );
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const i = (py * size + px) * 4;
      png.data[i] = a ? Math.round(r / a) : 0;
      png.data[i + 1] = a ? Math.round(g / a) : 0;
      png.data[i + 2] = a ? Math.round(b / a) : 0;
      png.data[i + 3] = Math.round(a / n);
    }
  }
  return PNG.sync.write(png);
}

mkdirSync(outDir, { recursive: true });
for (const state of Object.keys(STATES)) {
  for (const template of [false, true]) {
    for (const [suffix, size] of TRAY_SIZES) {
      const name = `tray-${state}${template ? 'Template' : ''}${suffix}.png`;
      writeFileSync(join(outDir, name), render(trayScene(state, template), size));
    }
  }
}
writeFileSync(join(outDir, 'icon.png'), render(appIconScene(), 1024));
