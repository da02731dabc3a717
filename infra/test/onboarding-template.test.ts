import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  customerReadActions,
  customerRoleName,
  customerRoleNamePrefix,
  customerWriteActions,
} from '@spot/shared/model/customer-permissions';
import { beforeAll, describe, expect, it } from 'vitest';
import { externalIdPattern, platformPrincipalArnPattern } from '../src/customer/onboarding-stack';
import { onboardingTemplatePath, regenerateCommand, renderOnboardingTemplate } from '../src/customer/render';
import type { Json, Statement } from './support/template';

interface Parameter {
  Type: string;
  AllowedPattern?: string;
  ConstraintDescription?: string;
  Description?: string;
  Default?: string;
}
interface OnboardingTemplate {
  Metadata: {
    'AWS::CloudFormation::Interface': {
      ParameterGroups: { Parameters: string[] }[];
      ParameterLabels: Record<string, { default: string }>;
    };
  };
  Parameters: Record<string, Parameter>;
  Conditions: Json;
  Resources: Record<string, { Type: string; Properties: Json; Condition?: string }>;
  Outputs: Record<string, Json>;
}

let fresh: string;
let template: OnboardingTemplate;

beforeAll(() => {
  // Synthesizes with cdk-nag: a finding without an acknowledgement makes this throw.
  fresh = renderOnboardingTemplate();
  template = JSON.parse(fresh) as OnboardingTemplate;
});

const resourcesOfType = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type);
const onlyResourceOfType = (type: string) => {
  const found = resourcesOfType(type);
  if (found.length !== 1) throw new Error(`Expected exactly one ${type}, found ${found.length}`);
  return found[0] as (typeof found)[number];
};

describe('customer onboarding template', () => {
  it('is checked in exactly as the stack synthesizes it', () => {
    const checkedIn = readFileSync(onboardingTemplatePath, 'utf8');
    expect(
      checkedIn === fresh,
      `${onboardingTemplatePath} is stale: run \`${regenerateCommand}\` and commit the result`,
    ).toBe(true);
  });

  it('has exactly the three parameters, each labelled, grouped and validated', () => {
    const iface = template.Metadata['AWS::CloudFormation::Interface'];
    const names = Object.keys(template.Parameters).sort();
    expect(names).toEqual(['EnableWriteActions', 'ExternalId', 'PlatformPrincipalArn']);
    expect(iface.ParameterGroups.flatMap((g) => g.Parameters).sort()).toEqual(names);
    for (const name of names) {
      const parameter = template.Parameters[name];
      expect(iface.ParameterLabels[name]?.default, name).toBeTruthy();
      expect(parameter?.AllowedPattern, name).toBeTruthy();
      expect(parameter?.ConstraintDescription, name).toBeTruthy();
      expect(parameter?.Description, name).toBeTruthy();
    }
    expect(template.Parameters.EnableWriteActions?.Default).toBe('false');
  });

  it('accepts real External IDs and platform ARNs and rejects malformed ones', () => {
    const externalId = new RegExp(externalIdPattern);
    expect(externalId.test(randomUUID())).toBe(true);
    expect(externalId.test(randomUUID().toUpperCase())).toBe(false);
    expect(externalId.test('not-a-uuid')).toBe(false);
    expect(externalId.test(`${randomUUID()}x`)).toBe(false);

    const principal = new RegExp(platformPrincipalArnPattern);
    expect(principal.test('arn:aws:iam::123456789012:root')).toBe(true);
    expect(principal.test('arn:aws:iam::123456789012:role/SpotOptimizerPlatform')).toBe(true);
    expect(principal.test('arn:aws-us-gov:iam::123456789012:role/path/Platform')).toBe(true);
    expect(principal.test('arn:aws:iam::12345:root')).toBe(false);
    expect(principal.test('arn:aws:iam::123456789012:user/alice')).toBe(false);
    expect(principal.test('*')).toBe(false);
  });

  it('creates one role named SpotOptimizerReadOnly-<first External ID group>, trusted only with the External ID', () => {
    const role = onlyResourceOfType('AWS::IAM::Role');
    const roleName = JSON.stringify(role.Properties.RoleName);
    expect(roleName).toContain(`"${customerRoleNamePrefix}ReadOnly-"`);
    expect(roleName).toContain('{"Fn::Split":["-",{"Ref":"ExternalId"}]}');
    const id = randomUUID();
    expect(customerRoleName(id)).toBe(`SpotOptimizerReadOnly-${id.split('-')[0]}`);

    const trust = (
      role.Properties.AssumeRolePolicyDocument as { Statement: (Statement & { Principal: Json })[] }
    ).Statement;
    expect(trust).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'PlatformPrincipalArn' } },
        Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
      },
    ]);
  });

  it('grants exactly the read actions the product calls, inline on the role', () => {
    const role = onlyResourceOfType('AWS::IAM::Role');
    const policies = role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
    const actions = policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => s.Action));
    expect(actions).toEqual(customerReadActions.map((p) => p.action));
  });

  it('attaches the write actions only when EnableWriteActions is true', () => {
    const write = onlyResourceOfType('AWS::IAM::Policy');
    expect(write.Condition).toBeDefined();
    expect(template.Conditions[write.Condition ?? '']).toEqual({
      'Fn::Equals': [{ Ref: 'EnableWriteActions' }, 'true'],
    });
    const statements = (write.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements.flatMap((s) => s.Action)).toEqual(customerWriteActions.map((p) => p.action));
  });

  it('outputs the role ARN', () => {
    expect(template.Outputs.RoleArn).toBeDefined();
  });
});

describe('customer permission lists', () => {
  const all = [...customerReadActions, ...customerWriteActions];

  it('names every action exactly once, without wildcards, each with a reason', () => {
    expect(new Set(all.map((p) => p.action)).size).toBe(all.length);
    for (const { action, why } of all) {
      expect(action).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
      expect(why.length, action).toBeGreaterThan(10);
    }
  });

  it('keeps the read list free of actions that change anything', () => {
    for (const { action } of customerReadActions) {
      // `Lookup`: CloudTrail's LookupEvents only reads the event history (who launched an instance).
      expect(action.split(':')[1], action).toMatch(/^(Describe|List|Get|Lookup)/);
    }
  });
});
