/** Why an age file could not be decrypted; `code` is stable, `message` is for people. */
export type AgeErrorCode = 'NO_IDENTITY_MATCHED' | 'HEADER_INVALID' | 'PAYLOAD_CORRUPT' | 'ARMOR_INVALID';

/** Base class of every decryption failure the codec reports. */
export class AgeError extends Error {
  constructor(
    readonly code: AgeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** None of the given keys can open this file: it was encrypted to someone else. */
export class NoIdentityMatchedError extends AgeError {
  constructor(message = 'None of the keys given can open this file: it was encrypted to other recipients.') {
    super('NO_IDENTITY_MATCHED', message);
  }
}

/** The file is not a valid age file, or its header was changed (bad MAC). */
export class HeaderInvalidError extends AgeError {
  constructor(detail: string) {
    super('HEADER_INVALID', `This is not a valid age file, or its header was damaged: ${detail}.`);
  }
}

/** The encrypted content was changed, cut short or extended. */
export class PayloadCorruptError extends AgeError {
  constructor(detail: string) {
    super('PAYLOAD_CORRUPT', `The encrypted content is damaged or incomplete: ${detail}.`);
  }
}

/** The ASCII-armored ("-----BEGIN AGE ENCRYPTED FILE-----") text is malformed. */
export class ArmorInvalidError extends AgeError {
  constructor(detail: string) {
    super('ARMOR_INVALID', `The ASCII-armored age file is malformed: ${detail}.`);
  }
}
