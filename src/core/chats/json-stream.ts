// A JSON document read as a stream of tokens (stream-json), in bounded memory: the top-level values are
// assembled whole, except one big array whose items are handed over one at a time.
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Assembler } from 'stream-json/assembler.js';
import parser from 'stream-json/parser.js';

type Token = { name: string; value?: unknown };

/** The document is not JSON, or not an object at the top. */
export class JsonShapeError extends Error {}

/**
 * Reads a JSON object from `input`: `onTop(key, value)` for each top-level member except `arrayKey`,
 * `onItem(item)` for each item of the top-level array `arrayKey`.
 */
export async function readJsonObject(
  input: Readable,
  arrayKey: string,
  onTop: (key: string, value: unknown) => void,
  onItem: (item: unknown) => void,
): Promise<void> {
  let depth = 0;
  let key: string | null = null;
  let started = false;
  let inArray = false;
  let assembler: Assembler | null = null;
  const consume = (token: Token) => {
    if (token.name === 'whitespace') return;
    if (!started) {
      if (token.name !== 'startObject') throw new JsonShapeError('the document is not a JSON object');
      started = true;
      depth = 1;
      return;
    }
    if (assembler) {
      assembler.consume(token as never);
      if (assembler.done) {
        if (inArray) onItem(assembler.current);
        else if (key !== null) onTop(key, assembler.current);
        assembler = null;
        if (!inArray) key = null;
      }
      return;
    }
    if (inArray) {
      if (token.name === 'endArray') {
        inArray = false;
        key = null;
        return;
      }
      assembler = new Assembler();
      assembler.consume(token as never);
      if (assembler.done) {
        onItem(assembler.current);
        assembler = null;
      }
      return;
    }
    if (depth === 1 && token.name === 'keyValue') {
      key = String(token.value);
      return;
    }
    if (depth === 1 && token.name === 'endObject') {
      depth = 0;
      return;
    }
    if (key === arrayKey && token.name === 'startArray') {
      inArray = true;
      return;
    }
    assembler = new Assembler();
    assembler.consume(token as never);
    if (assembler.done) {
      if (key !== null) onTop(key, assembler.current);
      assembler = null;
      key = null;
    }
  };
  const tokens = parser.asStream({
    packKeys: true,
    packStrings: true,
    packNumbers: true,
    streamValues: false,
  });
  await pipeline(
    input,
    tokens,
    new Writable({
      objectMode: true,
      write(token: Token, _encoding, done) {
        try {
          consume(token);
          done();
        } catch (err) {
          done(err as Error);
        }
      },
    }),
  );
  if (!started || depth !== 0) throw new JsonShapeError('the JSON document ends early');
}
