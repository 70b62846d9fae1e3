// The WebAssembly kernels (kernels.wat), one instance per thread: the gear hash of the chunker and the bit
// reversal that lets zlib's native CRC-32 compute cksum's CRC (see cksum.ts). Each works on bytes the caller
// copies into `buffer` first: WebAssembly reads only its own memory.
import { KERNELS_WASM } from './kernels-wasm.js';

/** Bytes the buffer holds. */
export const KERNEL_BUFFER_BYTES = 1024 * 1024;
/** Where the gear table and the buffer are in the instance's memory. */
const TABLE_AT = 0;
const BUFFER_AT = 1024;

/** What is used of the WebAssembly API (Node's type definitions before 22 leave it out). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface Exports {
  memory: { buffer: ArrayBuffer };
  hash: { value: number };
  gearScan(p: number, stop: number, mask: number, hash: number): number;
  reverseBits(p: number, n: number): void;
}

export class Kernels {
  /** The first KERNEL_BUFFER_BYTES bytes the kernels work on. */
  readonly buffer: Uint8Array;
  /** The gear table gearScan uses (256 entries). */
  readonly gearTable: Int32Array;
  private readonly exports: Exports;

  constructor() {
    const instance = new Instance(new Module(Buffer.from(KERNELS_WASM, 'base64')));
    this.exports = instance.exports as unknown as Exports;
    const memory = this.exports.memory.buffer;
    this.buffer = new Uint8Array(memory, BUFFER_AT, KERNEL_BUFFER_BYTES);
    this.gearTable = new Int32Array(memory, TABLE_AT, 256);
  }

  /**
   * Rolls the gear hash from `hash` over buffer[from, stop), stopping just after the first byte where
   * (hash & mask) == 0; returns where it stopped (stop if none matched). The hash is then `lastHash`.
   */
  gearScan(from: number, stop: number, mask: number, hash: number): number {
    return this.exports.gearScan(BUFFER_AT + from, BUFFER_AT + stop, mask, hash) - BUFFER_AT;
  }

  /** The gear hash where the last gearScan stopped. */
  get lastHash(): number {
    return this.exports.hash.value;
  }

  /** Reverses the bits of each byte of buffer[0, n). */
  reverseBits(n: number): void {
    this.exports.reverseBits(BUFFER_AT, n);
  }
}

let instance: Kernels | undefined;

/** This thread's kernels (instantiated on first use). */
export function kernels(): Kernels {
  instance ??= new Kernels();
  return instance;
}
