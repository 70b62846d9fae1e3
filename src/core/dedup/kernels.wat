;; The byte loops of chunking and checksums, in WebAssembly (src/core/dedup/kernels.ts loads it; the build
;; embeds it as kernels-wasm.ts, made by scripts/build-wasm.mjs). Memory: the gear table at 0 (256 words),
;; the buffer the caller fills from 1024.
(module
  (memory (export "memory") 17)
  ;; The gear hash after the last byte gearScan read.
  (global $hash (export "hash") (mut i32) (i32.const 0))

  ;; Rolls the gear hash h = (h << 1) + table[byte] over [p, stop) from `h`, stopping just after the first
  ;; byte where (h & mask) == 0; returns where it stopped (stop if no byte matched) and leaves h in $hash.
  (func (export "gearScan") (param $p i32) (param $stop i32) (param $mask i32) (param $h i32) (result i32)
    (block $out
      (loop $next
        (br_if $out (i32.ge_u (local.get $p) (local.get $stop)))
        (local.set $h
          (i32.add
            (i32.shl (local.get $h) (i32.const 1))
            (i32.load (i32.shl (i32.load8_u (local.get $p)) (i32.const 2)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $out (i32.eqz (i32.and (local.get $h) (local.get $mask))))
        (br $next)))
    (global.set $hash (local.get $h))
    (local.get $p))

  ;; Reverses the order of the bits of each byte of [p, p + n) in place, 16 bytes a step (so the 15 bytes
  ;; after the range may change too): each nibble's reversal looked up in a 16-byte table (the low
  ;; nibble's lands in the high half, and the reverse).
  (func (export "reverseBits") (param $p i32) (param $n i32)
    (local $end i32)
    (local $v v128)
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (block $out
      (loop $next
        (br_if $out (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        (v128.store (local.get $p)
          (v128.or
            (i8x16.swizzle
              (v128.const i8x16 0x00 0x80 0x40 0xc0 0x20 0xa0 0x60 0xe0 0x10 0x90 0x50 0xd0 0x30 0xb0 0x70 0xf0)
              (v128.and (local.get $v) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
            (i8x16.swizzle
              (v128.const i8x16 0x00 0x08 0x04 0x0c 0x02 0x0a 0x06 0x0e 0x01 0x09 0x05 0x0d 0x03 0x0b 0x07 0x0f)
              (i8x16.shr_u (local.get $v) (i32.const 4)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next))))
)
