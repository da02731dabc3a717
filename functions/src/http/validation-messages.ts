import type { z } from 'zod';

/**
 * zod's built-in messages ("Invalid input: expected number, received NaN", "Invalid discriminator value.
 * Expected 'a' | 'b'", "Too big: expected string to have <=60 characters") name the library's types and
 * internals; a message a schema sets itself does not start like these and is kept as written.
 */
const builtInMessage =
  /^(Invalid input|Invalid option|Invalid string|Invalid discriminator value|Invalid ISO|Invalid (number|element|key|date|email|url|uuid|UUID|base64)|Too big|Too small|Unrecognized keys?)\b/;

const typeWords: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  date: 'a date',
  null: 'null',
};

const list = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

const formatWords: Record<string, string> = {
  datetime: 'an ISO 8601 date and time such as 2026-01-31T12:00:00Z',
  date: 'a date such as 2026-01-31',
  email: 'an email address',
  url: 'a URL',
  uuid: 'a UUID',
};

/** A validation issue in words a caller can act on: what the field must be, never the library's types. */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (!builtInMessage.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (/received undefined$/.test(issue.message)) return 'is required.';
      return `must be ${typeWords[issue.expected] ?? issue.expected}.`;
    case 'too_big': {
      const at = issue.inclusive === false ? 'less than' : 'at most';
      if (issue.origin === 'string') return `must be ${at} ${issue.maximum} characters long.`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return `must have ${at} ${issue.maximum} items.`;
      return `must be ${at} ${issue.maximum}.`;
    }
    case 'too_small': {
      const at = issue.inclusive === false ? 'more than' : 'at least';
      if (issue.origin === 'string')
        return Number(issue.minimum) === 1
          ? 'must not be empty.'
          : `must be ${at} ${issue.minimum} characters long.`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return `must have ${at} ${issue.minimum} items.`;
      return `must be ${at} ${issue.minimum}.`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${list(issue.values)}.`
        : `must be one of ${list(issue.values)}.`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      return options ? `must be one of ${list(options)}.` : 'does not match any of the accepted forms.';
    }
    case 'invalid_format':
      if (issue.format === 'regex' && issue.pattern)
        return `does not have the expected format (${issue.pattern}).`;
      return `must be ${formatWords[issue.format] ?? `in ${issue.format} format`}.`;
    case 'unrecognized_keys':
      return `has fields this route does not take: ${issue.keys.join(', ')}.`;
    default:
      return 'is not valid here.';
  }
}
