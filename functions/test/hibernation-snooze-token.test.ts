import { randomBytes } from 'node:crypto';
import { LocalKeyService } from '@spot/local/keys';
import { isDomainError } from '@spot/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { issueSnoozeToken, readSnoozeToken, snoozeUntil } from '../src/domain/hibernation-snooze';
import { signDetached } from '../src/domain/signature';

/**
 * The Snooze link's token: only what this service signed, unaltered and unexpired, is read; every other
 * string is one 400 (so nothing tells which part failed), an expired one a 410.
 */
const keys = new LocalKeyService(randomBytes(32));
const claims = {
  orgId: 'org-1',
  clusterId: 'eks-0123456789abcdef0123',
  transitionAt: new Date('2026-12-11T18:00:00Z'),
  expiresAt: new Date('2026-12-12T06:30:00Z'),
  recipient: 'ops@example.com',
};
const before = new Date('2026-12-11T17:30:00Z');

async function statusOf(promise: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (isDomainError(error)) return error.statusCode;
    throw error;
  }
}

describe('snooze tokens', () => {
  it('carry the organization, cluster, sleep, expiry, recipient and a random id, and are URL-safe', async () => {
    const token = await issueSnoozeToken(claims, keys);
    expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(token.length).toBeLessThan(600);
    const read = await readSnoozeToken(token, before, keys);
    expect(read).toMatchObject(claims);
    expect(read.tokenId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const other = await readSnoozeToken(await issueSnoozeToken(claims, keys), before, keys);
    expect(other.tokenId).not.toBe(read.tokenId);
  });

  it('rejects a token with any one bit flipped (property, every position)', async () => {
    const token = await issueSnoozeToken(claims, keys);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.nat({ max: 7 }), async (index, bit) => {
        const flipped = String.fromCharCode(token.charCodeAt(index) ^ (1 << bit));
        const altered = token.slice(0, index) + flipped + token.slice(index + 1);
        expect(await statusOf(readSnoozeToken(altered, before, keys))).toBe(400);
      }),
      { numRuns: 400 },
    );
  });

  it('rejects a cut, extended or re-assembled token, another installation’s, and a signature made for anything else', async () => {
    const token = await issueSnoozeToken(claims, keys);
    const [payload] = token.split('.');
    const signature = token.slice((payload as string).length + 1);
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload as string, 'base64url').toString()), o: 'org-2' }),
    ).toString('base64url');
    const cases = [
      token.slice(0, -1),
      `${token}A`,
      `${forged}.${signature}`,
      // Another organization's cluster named with this token's signature.
      payload as string,
      `.${signature}`,
      // A signature of the bare payload (what an audit export signature looks like), not of a snooze token.
      `${payload}.${await signDetached(payload as string, keys)}`,
      // Signed by another installation's key service.
      await issueSnoozeToken(claims, new LocalKeyService(randomBytes(32))),
      'not-a-token-at-all-but-long-enough',
    ];
    for (const bad of cases) expect(await statusOf(readSnoozeToken(bad, before, keys)), bad).toBe(400);
  });

  it('expires: refused with 410 from its expiry on, read before it (property)', async () => {
    const token = await issueSnoozeToken(claims, keys);
    const expiry = claims.expiresAt.getTime();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -48 * 3_600_000, max: 48 * 3_600_000 }), async (offsetMs) => {
        const status = await statusOf(readSnoozeToken(token, new Date(expiry + offsetMs), keys));
        expect(status).toBe(offsetMs >= 0 ? 410 : 'ok');
      }),
      { numRuns: 100 },
    );
  });

  it('keeps the cluster awake 2 hours past the sleep, or past now once asleep', () => {
    expect(snoozeUntil(claims, before).toISOString()).toBe('2026-12-11T20:00:00.000Z');
    expect(snoozeUntil(claims, new Date('2026-12-11T19:15:00Z')).toISOString()).toBe(
      '2026-12-11T21:15:00.000Z',
    );
    // Never longer than the longest wake (72 h from now), even for a link opened days early.
    expect(snoozeUntil(claims, new Date('2026-12-01T00:00:00Z')).toISOString()).toBe(
      '2026-12-04T00:00:00.000Z',
    );
  });
});
