// The part of sodium-native's API that Puddleproof uses (the package ships no types).
declare module 'sodium-native' {
  export const crypto_aead_chacha20poly1305_ietf_ABYTES: number;
  export const crypto_aead_chacha20poly1305_ietf_KEYBYTES: number;
  export const crypto_aead_chacha20poly1305_ietf_NPUBBYTES: number;
  export function crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  export function crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  export function crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
  export const crypto_onetimeauth_BYTES: number;
  export const crypto_onetimeauth_STATEBYTES: number;
  export function crypto_onetimeauth_init(state: Uint8Array, k: Uint8Array): void;
  export function crypto_onetimeauth_update(state: Uint8Array, input: Uint8Array): void;
  export function crypto_onetimeauth_final(state: Uint8Array, out: Uint8Array): void;
  export function randombytes_buf(buf: Uint8Array): void;
  export function sodium_memzero(buf: Uint8Array): void;
}
