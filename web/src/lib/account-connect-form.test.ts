import { connectInputSchema } from '@spot/shared';
import { describe, expect, it } from 'vitest';
import { accessKeyForm } from './account-connect-form';

describe('the SPA checks what the API checks', () => {
  // The forms derive their rules from the API's (shared) ones; empty optional fields mean "not given".
  const samples = {
    accessKeyId: ['AKIAIOSFODNN7EXAMPLE', 'ASIAIOSFODNN7EXAMPLE', 'akia', ' AKIAIOSFODNN7EXAMPLE '],
    secretAccessKey: [
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'short',
      'has a space in it, forty chars long!!',
    ],
    awsAccountId: ['123456789012', '12345', '1234567890123', ''],
    region: ['us-east-1', 'eu-central-2', 'Frankfurt'],
    name: ['Lab', '', 'x'.repeat(60), 'x'.repeat(61)],
  };
  const valid = {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    region: 'us-east-1',
  };
  const empty = (v: string) => (v.trim() === '' ? undefined : v);

  it.each(Object.entries(samples).flatMap(([field, values]) => values.map((v) => [field, v] as const)))(
    '%s = %j',
    (field, value) => {
      const web = accessKeyForm.safeParse({ ...valid, [field]: value }).success;
      const optionalField = field === 'awsAccountId' || field === 'name';
      const api = connectInputSchema.safeParse({
        method: 'access-key',
        ...valid,
        [field]: optionalField ? empty(value) : value,
      }).success;
      expect(web).toBe(api);
    },
  );
});
