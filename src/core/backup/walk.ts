// Lists what an export contains, in a stable order, as the entries of its tar.
import type { Stats } from 'node:fs';
import { lstatSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** One file or folder of an export. */
export interface ExportEntry {
  /** Path inside the tar: the export's name, then the path within it (folders end in "/"). */
  archivePath: string;
  /** Path within the export ("" for the export itself). */
  relPath: string;
  absPath: string;
  type: 'file' | 'dir';
  size: number;
  mode: number;
  mtime: Date;
  stats: Stats;
}

/** The export cannot be backed up as it is; the message names the problem. */
export class ExportError extends Error {}

/** Names a tar writer would change (archiver rewrites backslashes and strips a leading "x:"). */
function assertPortableName(name: string, where: string): void {
  if (name.includes('\\') || /^\w+:/.test(name) || name.includes('\0')) {
    throw new ExportError(
      `Cannot back up "${where}": its name contains a backslash or starts with "name:", which tar archives cannot keep.`,
    );
  }
}

/**
 * Every regular file and folder of the export (a file or a folder), folders before their contents,
 * names in code-point order. Symbolic links and special files are not followed; they are listed in
 * `skipped`.
 */
export async function walkExport(exportPath: string): Promise<{ entries: ExportEntry[]; skipped: string[] }> {
  const name = basename(exportPath);
  assertPortableName(name, exportPath);
  const entries: ExportEntry[] = [];
  const skipped: string[] = [];
  const visit = async (absPath: string, relPath: string): Promise<void> => {
    // Synchronous: a few microseconds each, where a round trip through the thread pool costs tens.
    const info = lstatSync(absPath);
    const archivePath = relPath ? `${name}/${relPath}` : name;
    const common = { relPath, absPath, mode: info.mode & 0o7777, mtime: info.mtime, stats: info };
    if (info.isFile()) {
      entries.push({ ...common, archivePath, type: 'file', size: info.size });
    } else if (info.isDirectory()) {
      entries.push({ ...common, archivePath: `${archivePath}/`, type: 'dir', size: 0 });
      const children = (await readdir(absPath)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const child of children) {
        assertPortableName(child, join(absPath, child));
        await visit(join(absPath, child), relPath ? `${relPath}/${child}` : child);
      }
    } else if (relPath === '') {
      throw new ExportError(`${exportPath} is neither a file nor a folder.`);
    } else {
      skipped.push(absPath);
    }
  };
  await visit(exportPath, '');
  return { entries, skipped };
}
