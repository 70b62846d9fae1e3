// Which top-level entries of the watch folder are exports.

const IN_PROGRESS = /(\.crdownload|\.part|\.download|\.tmp)$/i;
const HIDDEN = new Set(['Thumbs.db', 'desktop.ini']);

/** Hidden files, OS litter and unfinished downloads are not exports. */
export function isExportName(name: string): boolean {
  return !name.startsWith('.') && !name.startsWith('~$') && !HIDDEN.has(name) && !IN_PROGRESS.test(name);
}
