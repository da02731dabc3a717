import { connectInputSchema } from '@spot/shared';
import { afterEach, describe, expect, it } from 'vitest';
import {
  expectedRoleArn,
  maskAccessKeyId,
  onboardingSettings,
  quickCreateUrl,
} from '../src/domain/accounts-connect';

describe('CloudFormation quick-create link', () => {
  it('carries the template, stack name and every parameter, encoded', () => {
    const url = quickCreateUrl({
      region: 'ap-southeast-2',
      templateUrl: 'https://bucket.s3.amazonaws.com/t.json?v=1&x=2',
      externalId: '3f2b9c1e-7a4d-4e2b-9c1e-7a4d4e2b9c1e',
      platformPrincipalArn: 'arn:aws:iam::111122223333:role/SpotOptimizerPlatform',
      enableWriteActions: false,
    });
    expect(
      url.startsWith(
        'https://console.aws.amazon.com/cloudformation/home?region=ap-southeast-2#/stacks/quickcreate?',
      ),
    ).toBe(true);
    const params = new URLSearchParams(url.split('#/stacks/quickcreate?')[1]);
    expect(params.get('templateURL')).toBe('https://bucket.s3.amazonaws.com/t.json?v=1&x=2');
    expect(params.get('stackName')).toBe('SpotOptimizer');
    expect(params.get('param_ExternalId')).toBe('3f2b9c1e-7a4d-4e2b-9c1e-7a4d4e2b9c1e');
    expect(params.get('param_PlatformPrincipalArn')).toBe(
      'arn:aws:iam::111122223333:role/SpotOptimizerPlatform',
    );
    expect(params.get('param_EnableWriteActions')).toBe('false');
  });

  it('derives the role ARN the template creates from the External ID', () => {
    expect(expectedRoleArn('123456789012', '3f2b9c1e-7a4d-4e2b-9c1e-7a4d4e2b9c1e')).toBe(
      'arn:aws:iam::123456789012:role/SpotOptimizerReadOnly-3f2b9c1e',
    );
  });
});

describe('onboarding settings', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('has local defaults in the local stack only; in AWS both variables are required', () => {
    delete process.env.ONBOARDING_TEMPLATE_URL;
    delete process.env.PLATFORM_PRINCIPAL_ARN;
    process.env.SPOT_LOCAL_STACK = '1';
    expect(onboardingSettings()).toEqual({
      templateUrl: '/cfn-templates/spot-optimizer-onboarding.template.json',
      platformPrincipalArn: 'arn:aws:iam::000000000000:root',
    });
    delete process.env.SPOT_LOCAL_STACK;
    expect(() => onboardingSettings()).toThrow(/ONBOARDING_TEMPLATE_URL/);
    process.env.ONBOARDING_TEMPLATE_URL = 'https://t.example/t.json';
    expect(() => onboardingSettings()).toThrow(/PLATFORM_PRINCIPAL_ARN/);
  });
});

describe('connect input', () => {
  const base = { method: 'access-key', region: 'us-east-1', secretAccessKey: 'x'.repeat(40) };
  it.each([
    ['AKIAIOSFODNN7EXAMPLE', true],
    ['  AKIAIOSFODNN7EXAMPLE ', true],
    ['akiaiosfodnn7example', false],
    ['ASIAIOSFODNN7EXAMPLE', false],
    ['AKIA', false],
  ])('access key id %s is %s', (accessKeyId, ok) => {
    expect(connectInputSchema.safeParse({ ...base, accessKeyId }).success).toBe(ok);
  });

  it('masks an access key id to its first and last four characters', () => {
    expect(maskAccessKeyId('AKIAIOSFODNN7EXAMPLE')).toBe('AKIA…MPLE');
  });
});
