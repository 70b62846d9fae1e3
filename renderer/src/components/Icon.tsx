// Small line icons drawn in SVG (decorative: the text next to them carries the meaning).

const PATHS = {
  check: 'M3 8.5l3 3 7-7',
  cross: 'M4 4l8 8M12 4l-8 8',
  sync: 'M13 8a5 5 0 0 1-9 3M3 8a5 5 0 0 1 9-3M12 2v3h-3M4 14v-3h3',
  pause: 'M6 3.5v9M10 3.5v9',
  alert: 'M8 2.5l6 11H2zM8 6.5v3.5M8 11.8v.2',
  clock: 'M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2zM8 5v3.5l2.5 1.5',
  folder: 'M2 4.5h4l1.5 1.5H14v7H2z',
  file: 'M4 2h5l3 3v9H4zM9 2v3h3',
  shield: 'M8 1.8l5.5 2v4c0 3.2-2.4 5.3-5.5 6.4C4.9 13.1 2.5 11 2.5 7.8v-4z',
  key: 'M6 10a3 3 0 1 1 2.1-.9L14 15M11 12l1.5-1.5M12.5 13.5L14 12',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, className }: { name: IconName; className?: string }) {
  return (
    <svg
      className={`icon${className ? ` ${className}` : ''}`}
      viewBox="0 0 16 16"
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
