// The age v1 codec: typage for keys and headers (X25519 stanzas wrapped natively), libsodium for the payload.
export { generateHybridIdentity, generateX25519Identity, identityToRecipient } from 'age-encryption';
export { createDecryptStream } from './decrypt.js';
export { createEncryptStream } from './encrypt.js';
export * from './errors.js';
export { assertRecipient, type DecryptionKeys } from './header.js';
