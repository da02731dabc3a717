import { z } from 'zod';

/**
 * C0 and C1 control characters (NUL, line breaks, escape) and the bidirectional overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069) that make a name display differently from what is stored ("Trojan
 * Source"). Names are shown in tables, audit records and exports, so none of these belong in one.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (no `u` flag). */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a name cannot be stored as it is, or `null` when it can (lone surrogates are not text). */
export function unsafeTextReason(value: string): string | null {
  if (loneSurrogate.test(value)) return 'contains a broken character (a lone UTF-16 surrogate).';
  if (unsafeCharacters.test(value))
    return 'contains a control or text-direction character; use letters, digits, spaces and punctuation.';
  return null;
}

/** A trimmed, length-bounded name that is safe to display: see {@link unsafeTextReason}. */
export const displayNameSchema = (limits: { min: number; max: number; tooShort: string; tooLong: string }) =>
  z
    .string()
    .trim()
    .min(limits.min, limits.tooShort)
    .max(limits.max, limits.tooLong)
    .superRefine((value, ctx) => {
      const reason = unsafeTextReason(value);
      if (reason) ctx.addIssue({ code: 'custom', message: `The name ${reason}` });
    });
