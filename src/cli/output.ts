// Terminal output: progress bars on a TTY, clean lines otherwise.

/** "1.5 MB" style sizes (decimal units, as file managers show them). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A progress reporter: a redrawn bar when stdout is a terminal, nothing otherwise. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stdout) {
  const started = Date.now();
  let last = 0;
  const update = (done: number, total: number) => {
    if (!stream.isTTY) return;
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const rate = done / Math.max(0.001, (now - started) / 1000);
    stream.write(
      `\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.round(fraction * 100)}% ${formatBytes(rate)}/s `,
    );
  };
  const clear = () => {
    if (stream.isTTY) stream.write('\r\x1b[2K');
  };
  return { update, clear };
}
