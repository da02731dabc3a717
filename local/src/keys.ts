/**
 * The local key service: what KMS does for the product (make and unwrap 256-bit data keys), done with a
 * master key in a file. The master key never leaves this module; callers get a plaintext data key to
 * use once and an encrypted copy to store beside the secret.
 *
 * Wrapped key layout: iv (12 bytes) | GCM tag (16 bytes) | ciphertext (32 bytes). The key id is bound
 * into the tag as additional data, so a wrapped key cannot be replayed under another id.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyServicePort } from '@spot/functions/ports/types';
import { LocalKeyError } from './errors';

const MASTER_KEY_BYTES = 32;
const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Reads the master key, creating it (mode 0600) on first use. */
export function loadOrCreateMasterKey(file: string): Buffer {
  try {
    const key = readFileSync(file);
    if (key.length !== MASTER_KEY_BYTES) {
      throw new LocalKeyError(
        'MASTER_KEY_INVALID',
        `${file} holds ${key.length} bytes, not a ${MASTER_KEY_BYTES}-byte key. Restore it from a backup; deleting it makes every stored secret unreadable.`,
      );
    }
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(MASTER_KEY_BYTES);
  try {
    // `wx`: if another process created it in the meantime, keep theirs.
    writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateMasterKey(file);
    throw err;
  }
}

/** `local:` + the first 16 hex digits of SHA-256(master key): identifies the key without revealing it. */
export function localKeyId(masterKey: Uint8Array): string {
  return `local:${createHash('sha256').update(masterKey).digest('hex').slice(0, 16)}`;
}

export class LocalKeyService implements KeyServicePort {
  readonly keyId: string;

  constructor(private readonly masterKey: Buffer) {
    if (masterKey.length !== MASTER_KEY_BYTES) {
      throw new LocalKeyError('MASTER_KEY_INVALID', `The master key must be ${MASTER_KEY_BYTES} bytes`);
    }
    this.keyId = localKeyId(masterKey);
  }

  /** A key service over the master key in `file` (created on first use). */
  static fromFile(file: string): LocalKeyService {
    return new LocalKeyService(loadOrCreateMasterKey(file));
  }

  async generateDataKey(): Promise<{ plaintextKey: Uint8Array; encryptedKey: Uint8Array; keyId: string }> {
    const plaintextKey = randomBytes(DATA_KEY_BYTES);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(this.keyId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintextKey), cipher.final()]);
    const encryptedKey = Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
    return {
      plaintextKey: new Uint8Array(plaintextKey),
      encryptedKey: new Uint8Array(encryptedKey),
      keyId: this.keyId,
    };
  }

  async decryptDataKey(encryptedKey: Uint8Array, keyId: string): Promise<Uint8Array> {
    if (keyId !== this.keyId) {
      throw new LocalKeyError(
        'KEY_ID_MISMATCH',
        `The data key was wrapped by ${keyId}, but this stack's master key is ${this.keyId} (was the master key file replaced?).`,
      );
    }
    if (encryptedKey.length !== IV_BYTES + TAG_BYTES + DATA_KEY_BYTES) {
      throw new LocalKeyError(
        'ENCRYPTED_KEY_INVALID',
        `An encrypted data key is ${IV_BYTES + TAG_BYTES + DATA_KEY_BYTES} bytes, got ${encryptedKey.length}`,
      );
    }
    const bytes = Buffer.from(encryptedKey);
    const iv = bytes.subarray(0, IV_BYTES);
    const tag = bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const ciphertext = bytes.subarray(IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(keyId, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
    } catch (err) {
      throw new LocalKeyError('ENCRYPTED_KEY_INVALID', 'The encrypted data key failed authentication', {
        cause: err,
      });
    }
  }
}
