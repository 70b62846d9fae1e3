// Rules for the paths inside a backup archive: each must name one place strictly inside the restore folder,
// and no two entries may name the same place.

const MAX_PATH_BYTES = 4096;
const MAX_NAME_BYTES = 255;
const MAX_DEPTH = 64;

/** Why an archive path (a folder's given without its trailing slash) is unsafe, in plain words; else undefined. */
export function pathProblem(path: string): string | undefined {
  if (path === '') return 'the path is empty';
  if (path.includes('\0')) return 'the path contains a NUL byte';
  if (path.includes('\\')) return 'the path contains a backslash';
  if (path.startsWith('/')) return 'the path is absolute';
  if (/^[A-Za-z]:/.test(path)) return 'the path starts with a drive letter';
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return `the path is longer than ${MAX_PATH_BYTES} bytes`;
  const names = path.split('/');
  if (names.length > MAX_DEPTH) return `the path is more than ${MAX_DEPTH} levels deep`;
  for (const name of names) {
    if (name === '') return 'the path has an empty name in it (a doubled or trailing "/")';
    if (name === '.' || name === '..') return `the path contains "${name}"`;
    if (Buffer.byteLength(name) > MAX_NAME_BYTES)
      return `a name in the path is longer than ${MAX_NAME_BYTES} bytes`;
  }
}

/** The archive's paths so far, to refuse a second entry for one place, or a file that is also a folder. */
export class PathRegistry {
  private readonly places = new Map<string, { path: string; dir: boolean; explicit: boolean }>();

  constructor(private readonly caseInsensitive: boolean) {}

  /** Records an entry (its parent folders too); returns why it clashes with an earlier one, if it does. */
  add(path: string, dir: boolean): string | undefined {
    const names = path.split('/');
    for (let depth = 1; depth < names.length; depth++) {
      const problem = this.record(names.slice(0, depth).join('/'), true, false);
      if (problem) return problem;
    }
    return this.record(path, dir, true);
  }

  private record(path: string, dir: boolean, explicit: boolean): string | undefined {
    const nfc = path.normalize('NFC');
    const key = this.caseInsensitive ? nfc.toLowerCase() : nfc;
    const seen = this.places.get(key);
    if (!seen) {
      this.places.set(key, { path, dir, explicit });
      return;
    }
    if (seen.path !== path) {
      return `"${path}" and "${seen.path}" are the same name in a different letter case or Unicode form`;
    }
    if (explicit && seen.explicit) return 'it appears twice';
    if (seen.dir !== dir) {
      return dir
        ? `"${path}" is a file, so nothing can be inside it`
        : 'it is a file, but other entries are inside it';
    }
    seen.explicit ||= explicit;
  }
}

/**
 * The paths of `only` that `path` is or lies under: the path and each of its ancestors looked up once, so
 * a restore of many chosen paths costs no more per entry than of one.
 */
export function chosenRoots(path: string, only: ReadonlySet<string>): string[] {
  const roots: string[] = [];
  for (let end = path.length; end > 0; end = path.lastIndexOf('/', end - 1)) {
    const prefix = path.slice(0, end);
    if (only.has(prefix)) roots.push(prefix);
  }
  return roots;
}
