import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret } from '../src/domain/envelope';
import type { KeyServicePort } from '../src/ports';

/** A key service double that really wraps keys (AES-256-GCM under a master key), like KMS would. */
const master = randomBytes(32);
const keys: KeyServicePort = {
  async generateDataKey() {
    const plaintextKey = randomBytes(32);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', master, iv);
    const wrapped = Buffer.concat([c.update(plaintextKey), c.final()]);
    return {
      plaintextKey: new Uint8Array(plaintextKey),
      encryptedKey: Buffer.concat([iv, c.getAuthTag(), wrapped]),
      keyId: 'test-key',
    };
  },
  async decryptDataKey(encryptedKey) {
    const b = Buffer.from(encryptedKey);
    const d = createDecipheriv('aes-256-gcm', master, b.subarray(0, 12));
    d.setAuthTag(b.subarray(12, 28));
    return new Uint8Array(Buffer.concat([d.update(b.subarray(28)), d.final()]));
  },
};

describe('envelope encryption', () => {
  it('round-trips any secret and never stores it in clear', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), async (secret) => {
        const sealed = await sealSecret(secret, keys, 'org-1/acct-1');
        expect(JSON.stringify(sealed)).not.toContain(secret.length > 3 ? secret : '\u0000never');
        expect(await openSecret(sealed, keys, 'org-1/acct-1')).toBe(secret);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a secret opened in another context or tampered with', async () => {
    const sealed = await sealSecret('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', keys, 'org-1/acct-1');
    await expect(openSecret(sealed, keys, 'org-2/acct-1')).rejects.toThrow();
    const flipped = Buffer.from(sealed.ciphertextB64, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    await expect(
      openSecret({ ...sealed, ciphertextB64: flipped.toString('base64') }, keys, 'org-1/acct-1'),
    ).rejects.toThrow();
  });
});
