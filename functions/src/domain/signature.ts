import { createHmac, timingSafeEqual } from 'node:crypto';
import { logger } from '../lib/logger';
import type { KeyServicePort } from '../ports';

/**
 * Detached signatures (HMAC-SHA256) whose key is a fresh data key of the key service (KMS in AWS, the
 * local key file locally), carried wrapped inside the signature itself: `v1.<keyId>.<wrapped key>.<mac>`
 * (base64url parts). Only a holder of the master key can unwrap the data key, so only this service can
 * make or check a signature, with nothing stored per signature and the master key rotatable (the key id
 * travels along). See ADR 0027.
 */
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

function mac(key: Uint8Array, keyId: string, message: string): Buffer {
  return createHmac('sha256', key).update(`${keyId}\n${message}`).digest();
}

export async function signDetached(message: string, keys: KeyServicePort): Promise<string> {
  const { plaintextKey, encryptedKey, keyId } = await keys.generateDataKey();
  try {
    return ['v1', b64(keyId), b64(encryptedKey), b64(mac(plaintextKey, keyId, message))].join('.');
  } finally {
    plaintextKey.fill(0);
  }
}

/** True iff `signature` was made by {@link signDetached} for exactly this message. */
export async function verifyDetached(
  message: string,
  signature: string,
  keys: KeyServicePort,
): Promise<boolean> {
  const parts = signature.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1' || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return false;
  // Only the one encoding signDetached writes: base64url's last character carries spare bits that the
  // decoder ignores, so without this two different strings would verify as the same signature.
  if (parts.slice(1).some((p) => Buffer.from(p, 'base64url').toString('base64url') !== p)) return false;
  const [, keyIdB64, wrappedB64, macB64] = parts as [string, string, string, string];
  const keyId = Buffer.from(keyIdB64, 'base64url').toString('utf8');
  let key: Uint8Array;
  try {
    key = await keys.decryptDataKey(Buffer.from(wrappedB64, 'base64url'), keyId);
  } catch (error) {
    // A wrapped key the key service does not accept: forged, truncated or from another installation.
    logger.warn('signature key not unwrapped', { errorName: (error as Error)?.name });
    return false;
  }
  try {
    const expected = mac(key, keyId, message);
    const given = Buffer.from(macB64, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  } finally {
    key.fill(0);
  }
}
