import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAccessTokenRevoked, reissueDelayMs, tokensRevokedBeforeOf } from '../../src/model/auth';

describe('session revocation', () => {
  it('revokes every token issued up to and including the sign-out second, and none after it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }),
        fc.integer({ min: -5_000, max: 5_000 }),
        (signOutMs, offsetMs) => {
          const revokedBefore = tokensRevokedBeforeOf(new Date(signOutMs));
          const issuedAtSeconds = Math.floor((signOutMs + offsetMs) / 1000);
          const sameOrEarlierSecond = issuedAtSeconds <= Math.floor(signOutMs / 1000);
          expect(isAccessTokenRevoked(issuedAtSeconds, revokedBefore)).toBe(sameOrEarlierSecond);
        },
      ),
    );
  });

  it('revokes a token issued in the same second as the sign-out, even just before it', () => {
    const signOut = new Date('2026-12-04T10:00:00.900Z');
    const issuedAt = Math.floor(Date.parse('2026-12-04T10:00:00.100Z') / 1000);
    expect(isAccessTokenRevoked(issuedAt, tokensRevokedBeforeOf(signOut))).toBe(true);
    expect(isAccessTokenRevoked(issuedAt, null)).toBe(false);
  });

  it('waits a new session only until the revoked second is over', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }), (signOutMs) => {
        const revokedBefore = tokensRevokedBeforeOf(new Date(signOutMs));
        const issuedAt = Math.floor(signOutMs / 1000);
        const delay = reissueDelayMs(issuedAt, revokedBefore, new Date(signOutMs));
        expect(delay).toBeGreaterThan(0);
        expect(delay).toBeLessThanOrEqual(1000);
        expect(isAccessTokenRevoked(Math.floor((signOutMs + delay) / 1000), revokedBefore)).toBe(false);
        expect(reissueDelayMs(issuedAt + 1, revokedBefore, new Date(signOutMs))).toBe(0);
      }),
    );
  });
});
