import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskAwsAccountId } from '../src/model/account';
import { redactSecrets } from '../src/model/audit';
import { canonicalJson } from '../src/model/canonical-json';
import { checkPassword, signUpInputSchema } from '../src/model/user';

describe('canonicalJson', () => {
  it('is independent of key order and round-trips the value', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
    );
  });
});

describe('redactSecrets', () => {
  it('removes every secret field at any depth and keeps the rest', () => {
    const out = redactSecrets({
      a: 1,
      secretAccessKey: 'x',
      nested: [{ password: 'p', keep: 'k' }],
      refreshToken: 't',
    });
    expect(out).toEqual({
      a: 1,
      secretAccessKey: '[redacted]',
      nested: [{ password: '[redacted]', keep: 'k' }],
      refreshToken: '[redacted]',
    });
  });
});

describe('sign-up input', () => {
  it('lists each password rule and accepts only passwords meeting all of them', () => {
    expect(checkPassword('short').filter((r) => r.ok).length).toBeLessThan(5);
    expect(checkPassword('Long-enough-1A').every((r) => r.ok)).toBe(true);
    const ok = signUpInputSchema.safeParse({
      organizationName: 'Acme',
      email: ' Alice@Example.com ',
      password: 'Long-enough-1A',
    });
    expect(ok.success && ok.data.email).toBe('alice@example.com');
    const bad = signUpInputSchema.safeParse({ organizationName: 'A', email: 'nope', password: 'weak' });
    expect(bad.success).toBe(false);
  });

  it('masks AWS account ids to the first four digits', () => {
    expect(maskAwsAccountId('123456789012')).toBe('1234-****-****');
    expect(maskAwsAccountId(undefined)).toBeNull();
  });
});
