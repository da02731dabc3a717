import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountNameSchema } from '../../src/model/account';
import { unsafeTextReason } from '../../src/model/text';
import { signUpInputSchema } from '../../src/model/user';

const unsafe = ['\u0000', '\n', '\u001b', '\u0085', '\u202e', '\u2066', '\u2069', '\ud800', '\udfff'];

describe('display names', () => {
  it('accept ordinary names in any script, with emoji', () => {
    for (const name of ['Acme Corp', 'Ünïcode GmbH', '株式会社テスト', 'Prod 🚀 (EU)', 'a-b_c.d/e'])
      expect(unsafeTextReason(name)).toBeNull();
  });

  it('refuse any name containing a control, bidi-override or lone-surrogate character', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(...unsafe), fc.string(), (before, bad, after) => {
        expect(unsafeTextReason(`${before}${bad}${after}`)).not.toBeNull();
      }),
    );
  });

  it('keep well-formed printable text (no false refusals)', () => {
    const printable = fc
      .string({ unit: 'grapheme' })
      .filter((s) => !/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u.test(s));
    fc.assert(
      fc.property(printable, (s) => {
        expect(unsafeTextReason(s)).toBeNull();
      }),
    );
  });

  it('are enforced where names enter: sign-up and account names', () => {
    const signUp = signUpInputSchema.safeParse({
      organizationName: 'Evil\u202eCorp',
      email: 'a@example.com',
      password: 'Strong-Password-1!',
    });
    expect(signUp.success).toBe(false);
    expect(signUp.error?.issues[0]?.message).toMatch(/text-direction/);
    expect(accountNameSchema.safeParse('lab\u0000').success).toBe(false);
    expect(accountNameSchema.parse('  Lab  ')).toBe('Lab');
  });
});
