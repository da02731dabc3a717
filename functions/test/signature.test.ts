import { randomBytes } from 'node:crypto';
import { LocalKeyService } from '@spot/local/keys';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signDetached, verifyDetached } from '../src/domain/signature';

const keys = new LocalKeyService(randomBytes(32));

describe('detached signatures (audit exports, checkpoints, snooze links)', () => {
  it('verify exactly the message they were made for, with the key service that made them', async () => {
    const signature = await signDetached('message', keys);
    expect(await verifyDetached('message', signature, keys)).toBe(true);
    expect(await verifyDetached('message!', signature, keys)).toBe(false);
    expect(await verifyDetached('message', signature, new LocalKeyService(randomBytes(32)))).toBe(false);
  });

  it('reject a signature with any one bit flipped, including the spare bits of base64url’s last character (property)', async () => {
    const signature = await signDetached('message', keys);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: signature.length - 1 }), fc.nat({ max: 7 }), async (index, bit) => {
        const altered =
          signature.slice(0, index) +
          String.fromCharCode(signature.charCodeAt(index) ^ (1 << bit)) +
          signature.slice(index + 1);
        expect(await verifyDetached('message', altered, keys)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
