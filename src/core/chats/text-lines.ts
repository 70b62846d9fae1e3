// Lines of a text file read as a stream, in bounded memory: UTF-8 (a BOM is dropped) or UTF-16 with a BOM;
// a line longer than MAX_LINE is cut there (the rest of it is skipped, and the cut is reported).
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Longer lines are cut: no chat message needs more to be recognised or previewed. */
export const MAX_LINE = 64 * 1024;

/** Yields the lines of `input` (without their line endings); `onCut` hears of each line that was cut. */
export async function* textLines(input: Readable, onCut?: () => void): AsyncGenerator<string> {
  let decoder: StringDecoder | undefined;
  let pending = '';
  let skipping = false;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let bytes = chunk;
    if (!decoder) {
      const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe;
      decoder = new StringDecoder(utf16 ? 'utf16le' : 'utf8');
      if (utf16) bytes = bytes.subarray(2);
      else if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    const text = pending + decoder.write(bytes);
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end === -1) break;
      if (!skipping) {
        const line = text.slice(start, text[end - 1] === '\r' ? end - 1 : end);
        if (line.length > MAX_LINE) onCut?.();
        yield line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line;
      }
      skipping = false;
      start = end + 1;
    }
    pending = text.slice(start);
    if (pending.length > MAX_LINE) {
      if (!skipping) {
        onCut?.();
        yield pending.slice(0, MAX_LINE);
      }
      skipping = true;
      pending = '';
    }
  }
  pending += decoder?.end() ?? '';
  if (pending && !skipping) yield pending.endsWith('\r') ? pending.slice(0, -1) : pending;
}
