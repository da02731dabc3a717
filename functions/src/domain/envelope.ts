import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyServicePort } from '../ports';

export interface SealedSecret {
  ciphertextB64: string;
  ivB64: string;
  authTagB64: string;
  encryptedDataKeyB64: string;
  keyId: string;
}

/**
 * Envelope encryption of a secret: a fresh 256-bit data key from the key service encrypts the value with
 * AES-256-GCM; only the wrapped data key and its key id are stored beside the ciphertext, so rotating
 * the master key never needs the plaintext. The plaintext data key is zeroed after use.
 */
export async function sealSecret(
  plaintext: string,
  keys: KeyServicePort,
  aad: string,
): Promise<SealedSecret> {
  const { plaintextKey, encryptedKey, keyId } = await keys.generateDataKey();
  const key = Buffer.from(plaintextKey);
  try {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      ciphertextB64: ciphertext.toString('base64'),
      ivB64: iv.toString('base64'),
      authTagB64: cipher.getAuthTag().toString('base64'),
      encryptedDataKeyB64: Buffer.from(encryptedKey).toString('base64'),
      keyId,
    };
  } finally {
    key.fill(0);
    plaintextKey.fill(0);
  }
}

/** Opens a sealed secret; `aad` must be the same context (e.g. org and account id) it was sealed with. */
export async function openSecret(sealed: SealedSecret, keys: KeyServicePort, aad: string): Promise<string> {
  const dataKey = await keys.decryptDataKey(Buffer.from(sealed.encryptedDataKeyB64, 'base64'), sealed.keyId);
  const key = Buffer.from(dataKey);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.ivB64, 'base64'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(sealed.authTagB64, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertextB64, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } finally {
    key.fill(0);
    dataKey.fill(0);
  }
}
