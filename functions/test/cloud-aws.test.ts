import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateTagsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListClustersCommand,
  ListNodegroupsCommand,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CloudAccessError, UpstreamError, ValidationError } from '@spot/shared';
import { customerReadActions, customerWriteActions } from '@spot/shared/model/customer-permissions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsCustomerCloud, forEachRegion } from '../src/ports/aws/cloud';
import { permissionProbes } from '../src/ports/aws/cloud-permissions';
import type { CloudTarget, CustomerCloudPort, MetricQuery } from '../src/ports/cloud';

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const eks = mockClient(EKSClient);
const cloudWatch = mockClient(CloudWatchClient);
const pricing = mockClient(PricingClient);
const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
const cloudTrail = mockClient(CloudTrailClient);

const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLESECRET';
const tempSecretAccessKey = 'TempSecretKeyFromAssumeRole0123456789abcd';
const tempSessionToken = 'FwoGZXIvYXdzTempSessionTokenValue0123456789';
const secrets = [secretAccessKey, tempSecretAccessKey, tempSessionToken];

const roleArn = 'arn:aws:iam::123456789012:role/SpotOptimizerReadOnly-3f2b9c1e';
const externalId = '3f2b9c1e-0000-4000-8000-000000000001';
const roleTarget: CloudTarget = { credentials: { kind: 'role', roleArn, externalId }, region: 'eu-west-1' };
const keyTarget: CloudTarget = {
  credentials: { kind: 'access-key', accessKeyId: 'AKIAEXAMPLEKEYID0001', secretAccessKey },
  region: 'eu-west-1',
};

/** Every error and result the tests observed: checked once at the end for leaked secrets. */
const observed: unknown[] = [];

function expectNoSecret(value: unknown): void {
  observed.push(value);
  const texts = [String(value), JSON.stringify(value) ?? ''];
  if (value instanceof Error) {
    texts.push(value.message, String(value.cause), JSON.stringify(value.cause) ?? '');
    if (value.cause instanceof Error) texts.push(value.cause.message);
  }
  for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
}

/** An SDK-style service error; the message carries the secret to prove it is redacted. */
function awsError(name: string, message = `${name} happened for ${secretAccessKey}`, httpStatusCode = 400) {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expectNoSecret(error);
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** Replies in order (an Error is thrown) and records a copy of each input: paginators reuse one object. */
function replies(...responses: unknown[]) {
  const inputs: Record<string, unknown>[] = [];
  const fake = (input: Record<string, unknown>) => {
    inputs.push({ ...input });
    const next = responses[Math.min(inputs.length - 1, responses.length - 1)];
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve(next);
  };
  return { fake, inputs };
}

/** The SDK client a recorded call was sent through. */
function clientOf<C>(call: { thisValue: unknown } | undefined): C {
  if (!call) throw new Error('expected a recorded call');
  return call.thisValue as C;
}

let now = new Date('2026-03-02T10:00:00Z');
const clock = { now: () => now };
let delays: number[] = [];

function newCloud() {
  return new AwsCustomerCloud({
    clock,
    retry: {
      sleep: async (delayMs) => {
        delays.push(delayMs);
      },
      random: () => 0.5,
    },
  });
}

const assumed = (expiration = new Date(now.getTime() + 3600_000)) => ({
  Credentials: {
    AccessKeyId: 'ASIATEMPKEYID0001',
    SecretAccessKey: tempSecretAccessKey,
    SessionToken: tempSessionToken,
    Expiration: expiration,
  },
});

beforeEach(() => {
  for (const mock of [ec2, autoScaling, eks, cloudWatch, pricing, sts, s3, cloudTrail]) mock.reset();
  now = new Date('2026-03-02T10:00:00Z');
  delays = [];
  sts.on(AssumeRoleCommand).resolves(assumed());
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/X/s' });
});

afterAll(() => {
  for (const value of observed) {
    for (const secret of secrets) expect(JSON.stringify(value) ?? String(value)).not.toContain(secret);
  }
});

describe('identify (STS)', () => {
  it('assumes the role with its External ID, then asks who it is with the temporary credentials', async () => {
    const cloud = newCloud();
    await expect(cloud.identify(roleTarget)).resolves.toEqual({
      awsAccountId: '123456789012',
      arn: 'arn:aws:sts::123456789012:assumed-role/X/s',
    });
    const assume = sts.commandCalls(AssumeRoleCommand);
    expect(assume).toHaveLength(1);
    expect(assume[0]?.args[0].input).toMatchObject({ RoleArn: roleArn, ExternalId: externalId });
    const input = assume[0]?.args[0].input;
    expect(input?.RoleSessionName).toMatch(/^spot-optimizer-[0-9a-f]{8}$/);
    expect(input?.DurationSeconds).toBeGreaterThanOrEqual(900);
    expect(input?.DurationSeconds).toBeLessThanOrEqual(3600);
    const client = clientOf<STSClient>(sts.commandCalls(GetCallerIdentityCommand)[0]);
    await expect(client.config.credentials()).resolves.toMatchObject({
      accessKeyId: 'ASIATEMPKEYID0001',
      sessionToken: tempSessionToken,
    });
    expect(await client.config.region()).toBe('eu-west-1');
  });

  it('uses access keys directly, without AssumeRole', async () => {
    await expect(newCloud().identify(keyTarget)).resolves.toMatchObject({ awsAccountId: '123456789012' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    const client = clientOf<STSClient>(sts.commandCalls(GetCallerIdentityCommand)[0]);
    await expect(client.config.credentials()).resolves.toMatchObject({ accessKeyId: 'AKIAEXAMPLEKEYID0001' });
  });

  it('explains AccessDenied on AssumeRole as the trust policy or External ID', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejects(awsError('AccessDenied', 'User is not authorized to perform sts:AssumeRole'));
    const error = await rejection(newCloud().identify(roleTarget));
    expect(error).toBeInstanceOf(CloudAccessError);
    expect(error).toMatchObject({
      cloudCode: 'TRUST_POLICY',
      code: 'CLOUD_TRUST_POLICY',
      action: 'sts:AssumeRole',
    });
    expect(error.message).toContain('trust policy or External ID');
    expect(error.message).toContain(roleArn);
    expect(error.message).toContain('cfn-templates/');
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  it('reports expired credentials, for keys and for the platform session', async () => {
    sts.on(GetCallerIdentityCommand).rejects(awsError('ExpiredToken'));
    expect(await rejection(newCloud().identify(keyTarget))).toMatchObject({
      cloudCode: 'EXPIRED_CREDENTIALS',
    });
    sts.on(AssumeRoleCommand).rejects(awsError('ExpiredTokenException'));
    expect(await rejection(newCloud().identify(roleTarget))).toMatchObject({
      cloudCode: 'EXPIRED_CREDENTIALS',
    });
  });

  it.each(['InvalidClientTokenId', 'SignatureDoesNotMatch'])(
    'reports %s as invalid credentials',
    async (code) => {
      sts.on(GetCallerIdentityCommand).rejects(awsError(code));
      const error = await rejection(newCloud().identify(keyTarget));
      expect(error).toMatchObject({ cloudCode: 'INVALID_CREDENTIALS' });
      expect(error.message).toContain('access key');
    },
  );

  it('retries a throttled AssumeRole with growing delays, then succeeds', async () => {
    const { fake } = replies(awsError('Throttling'), awsError('ThrottlingException'), assumed());
    sts.on(AssumeRoleCommand).callsFake(fake);
    await expect(newCloud().identify(roleTarget)).resolves.toMatchObject({ awsAccountId: '123456789012' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
    expect(delays).toHaveLength(2);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? Number.POSITIVE_INFINITY);
  });

  it('gives up after four throttled attempts with THROTTLED', async () => {
    sts.on(AssumeRoleCommand).rejects(awsError('RequestLimitExceeded'));
    const error = await rejection(newCloud().identify(roleTarget));
    expect(error).toMatchObject({ cloudCode: 'THROTTLED' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(4);
    expect(delays).toHaveLength(3);
  });
});

describe('role credentials', () => {
  it('are cached per role and External ID until five minutes before they expire', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const cloud = newCloud();
    await cloud.describeInstances(roleTarget);
    await cloud.describeInstances({ ...roleTarget, region: 'us-east-2' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);

    now = new Date(now.getTime() + 54 * 60_000);
    await cloud.describeInstances(roleTarget);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);

    now = new Date(now.getTime() + 2 * 60_000);
    await cloud.describeInstances(roleTarget);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);

    const otherExternalId = {
      ...roleTarget,
      credentials: { ...roleTarget.credentials, externalId: 'other' },
    };
    await cloud.describeInstances(otherExternalId as CloudTarget);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
  });

  it('share one AssumeRole between concurrent calls, and verification always assumes afresh', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    const cloud = newCloud();
    await Promise.all([cloud.describeInstances(roleTarget), cloud.describeSecurityGroups(roleTarget)]);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    await cloud.identify(roleTarget);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('are dropped when AWS calls them expired', async () => {
    ec2.on(DescribeInstancesCommand).rejectsOnce(awsError('ExpiredToken')).resolves({ Reservations: [] });
    const cloud = newCloud();
    expect(await rejection(cloud.describeInstances(roleTarget))).toMatchObject({
      cloudCode: 'EXPIRED_CREDENTIALS',
    });
    await cloud.describeInstances(roleTarget);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });
});

describe('checkPermissions', () => {
  it('has a probe for every read and write action the onboarding template grants', () => {
    for (const { action } of [...customerReadActions, ...customerWriteActions]) {
      expect(permissionProbes[action], action).toBeDefined();
    }
  });

  it('reports allowed and denied actions, each tried with its cheapest call', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized.'));
    ec2.on(DescribeInstanceTypesCommand).resolves({});
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({});
    ec2.on(DescribeRegionsCommand).resolves({});
    ec2.on(DescribeSecurityGroupsCommand).resolves({});
    ec2.on(DescribeAvailabilityZonesCommand).resolves({});
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({});
    eks
      .on(ListClustersCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized: eks:ListClusters'));
    eks.on(DescribeClusterCommand).rejects(awsError('ResourceNotFoundException', 'No cluster found'));
    eks.on(ListNodegroupsCommand).rejects(awsError('ResourceNotFoundException', 'No cluster found'));
    eks.on(DescribeNodegroupCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    cloudWatch.on(GetMetricDataCommand).resolves({});
    cloudWatch.on(GetMetricStatisticsCommand).resolves({});
    cloudWatch.on(ListMetricsCommand).resolves({});
    pricing.on(GetProductsCommand).resolves({});
    cloudTrail.on(LookupEventsCommand).resolves({});

    const actions = customerReadActions.map((p) => p.action);
    const checks = await newCloud().checkPermissions(roleTarget, [...actions, 'ec2:RunInstances']);
    expectNoSecret(checks);
    expect(checks.map((c) => c.action)).toEqual([...actions, 'ec2:RunInstances']);
    const denied = checks.filter((c) => !c.allowed).map((c) => c.action);
    expect(denied).toEqual([
      'ec2:DescribeInstances',
      'eks:ListClusters',
      'eks:DescribeNodegroup',
      'ec2:RunInstances',
    ]);
    expect(checks.find((c) => c.action === 'ec2:DescribeInstances')?.reason).toBe(
      'The role lacks ec2:DescribeInstances. Update the Spot Optimizer stack (template in cfn-templates/) or add the permission. (AWS: UnauthorizedOperation: You are not authorized.)',
    );
    expect(checks.find((c) => c.action === 'eks:DescribeCluster')).toEqual({
      action: 'eks:DescribeCluster',
      allowed: true,
    });

    expect(ec2.commandCalls(DescribeInstancesCommand)[0]?.args[0].input).toEqual({ MaxResults: 5 });
    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)[0]?.args[0].input).toEqual({
      MaxRecords: 1,
    });
    expect(eks.commandCalls(ListClustersCommand)[0]?.args[0].input).toEqual({ maxResults: 1 });
    const spot = ec2.commandCalls(DescribeSpotPriceHistoryCommand)[0]?.args[0].input;
    expect(spot?.StartTime).toEqual(now);
    const metric = cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(metric?.EndTime).toEqual(now);
    expect(now.getTime() - (metric?.StartTime ?? new Date(0)).getTime()).toBeLessThanOrEqual(600_000);
    const products = pricing.commandCalls(GetProductsCommand)[0];
    expect(products?.args[0].input).toMatchObject({ ServiceCode: 'AmazonEC2', MaxResults: 1 });
    expect(products?.args[0].input.Filters).toContainEqual({
      Type: 'TERM_MATCH',
      Field: 'regionCode',
      Value: 'eu-west-1',
    });
    expect(await clientOf<PricingClient>(products).config.region()).toBe('us-east-1');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('probes write actions without side effects', async () => {
    autoScaling
      .on(UpdateAutoScalingGroupCommand)
      .rejects(awsError('ValidationError', 'AutoScalingGroup name not found'));
    eks.on(UpdateNodegroupConfigCommand).rejects(awsError('ResourceNotFoundException', 'No cluster found'));
    ec2.on(CreateTagsCommand).rejects(awsError('UnauthorizedOperation', 'not authorized'));
    autoScaling
      .on(TerminateInstanceInAutoScalingGroupCommand)
      .rejects(awsError('ValidationError', 'Instance Id not found - No managed instance found'));
    const checks = await newCloud().checkPermissions(
      roleTarget,
      customerWriteActions.map((p) => p.action),
    );
    expect(checks.map((c) => [c.action, c.allowed])).toEqual([
      ['autoscaling:UpdateAutoScalingGroup', true],
      ['eks:UpdateNodegroupConfig', true],
      ['ec2:CreateTags', false],
      ['autoscaling:TerminateInstanceInAutoScalingGroup', true],
      ['autoscaling:DescribeScalingActivities', true],
    ]);
    expect(
      autoScaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand)[0]?.args[0].input.InstanceId,
    ).toBe('i-00000000000000000');
    expect(checks[2]?.reason).toContain('EnableWriteActions=true');
    expect(ec2.commandCalls(CreateTagsCommand)[0]?.args[0].input.DryRun).toBe(true);
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)[0]?.args[0].input).toEqual({
      AutoScalingGroupName: expect.stringContaining('probe'),
    });
  });

  it('retries a throttled check and reports one that stays throttled as unchecked', async () => {
    ec2.on(DescribeInstancesCommand).rejectsOnce(awsError('RequestLimitExceeded')).resolves({});
    ec2.on(DescribeRegionsCommand).rejects(awsError('RequestLimitExceeded'));
    const checks = await newCloud().checkPermissions(keyTarget, [
      'ec2:DescribeInstances',
      'ec2:DescribeRegions',
    ]);
    expectNoSecret(checks);
    expect(checks[0]).toEqual({ action: 'ec2:DescribeInstances', allowed: true });
    expect(checks[1]).toMatchObject({ allowed: false, reason: expect.stringContaining('Could not check') });
    expect(ec2.commandCalls(DescribeRegionsCommand)).toHaveLength(4);
  });

  it('throws credential problems instead of reporting every action as denied', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidClientTokenId'));
    const error = await rejection(newCloud().checkPermissions(keyTarget, ['ec2:DescribeInstances']));
    expect(error).toMatchObject({ cloudCode: 'INVALID_CREDENTIALS' });
  });

  it('throws a trust problem before trying any action', async () => {
    sts.on(AssumeRoleCommand).rejects(awsError('AccessDenied'));
    const error = await rejection(newCloud().checkPermissions(roleTarget, ['ec2:DescribeInstances']));
    expect(error).toMatchObject({ cloudCode: 'TRUST_POLICY' });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });
});

describe('reads', () => {
  it('lists the enabled regions', async () => {
    ec2
      .on(DescribeRegionsCommand)
      .resolves({ Regions: [{ RegionName: 'us-east-1' }, { RegionName: 'eu-west-1' }] });
    await expect(newCloud().listRegions(keyTarget)).resolves.toEqual(['eu-west-1', 'us-east-1']);
    expect(ec2.commandCalls(DescribeRegionsCommand)[0]?.args[0].input).toEqual({ AllRegions: false });
  });

  it('pages through instances and maps lifecycle, cluster, node group and group', async () => {
    const { fake, inputs } = replies(
      {
        Reservations: [
          {
            Instances: [
              {
                InstanceId: 'i-1',
                InstanceType: 'm5.large',
                InstanceLifecycle: 'spot',
                Placement: { AvailabilityZone: 'eu-west-1a' },
                State: { Name: 'running' },
                LaunchTime: new Date('2026-03-01T00:00:00Z'),
                PrivateDnsName: 'ip-10-0-0-1.eu-west-1.compute.internal',
                Architecture: 'x86_64',
                Tags: [
                  { Key: 'eks:cluster-name', Value: 'prod' },
                  { Key: 'eks:nodegroup-name', Value: 'ng-spot' },
                  { Key: 'aws:autoscaling:groupName', Value: 'eks-ng-spot-asg' },
                ],
              },
            ],
          },
        ],
        NextToken: 'page-2',
      },
      {
        Reservations: [
          {
            Instances: [
              {
                InstanceId: 'i-2',
                InstanceType: 'c6g.xlarge',
                State: { Name: 'stopped' },
                PrivateDnsName: '',
                Tags: [{ Key: 'kubernetes.io/cluster/staging', Value: 'owned' }],
              },
            ],
          },
        ],
      },
    );
    ec2.on(DescribeInstancesCommand).callsFake(fake);
    const instances = await newCloud().describeInstances(keyTarget);
    expect(inputs.map((input) => input.NextToken)).toEqual([undefined, 'page-2']);
    expect(instances).toEqual([
      {
        instanceId: 'i-1',
        instanceType: 'm5.large',
        capacityType: 'spot',
        availabilityZone: 'eu-west-1a',
        state: 'running',
        launchTime: '2026-03-01T00:00:00.000Z',
        privateDnsName: 'ip-10-0-0-1.eu-west-1.compute.internal',
        tags: {
          'eks:cluster-name': 'prod',
          'eks:nodegroup-name': 'ng-spot',
          'aws:autoscaling:groupName': 'eks-ng-spot-asg',
        },
        clusterName: 'prod',
        autoScalingGroupName: 'eks-ng-spot-asg',
        nodegroupName: 'ng-spot',
        architecture: 'x86_64',
      },
      expect.objectContaining({
        instanceId: 'i-2',
        capacityType: 'on-demand',
        state: 'stopped',
        privateDnsName: null,
        clusterName: 'staging',
        autoScalingGroupName: null,
        nodegroupName: null,
      }),
    ]);
  });

  it('retries a throttled page from its own token, not from the first page', async () => {
    const { fake, inputs } = replies(
      {
        Reservations: [{ Instances: [{ InstanceId: 'i-1', InstanceType: 't3.micro' }] }],
        NextToken: 'page-2',
      },
      awsError('RequestLimitExceeded', 'Request limit exceeded.', 503),
      { Reservations: [{ Instances: [{ InstanceId: 'i-2', InstanceType: 't3.micro' }] }] },
    );
    ec2.on(DescribeInstancesCommand).callsFake(fake);
    const instances = await newCloud().describeInstances(keyTarget);
    expect(instances.map((i) => i.instanceId)).toEqual(['i-1', 'i-2']);
    expect(inputs.map((input) => input.NextToken)).toEqual([undefined, 'page-2', 'page-2']);
    expect(delays).toHaveLength(1);
  });

  it('names the missing action when AWS denies it', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('UnauthorizedOperation'));
    const error = await rejection(newCloud().describeInstances(roleTarget));
    expect(error).toBeInstanceOf(CloudAccessError);
    expect(error).toMatchObject({
      cloudCode: 'ACCESS_DENIED',
      action: 'ec2:DescribeInstances',
      statusCode: 422,
    });
    expect(error.message).toBe(
      'The role lacks ec2:DescribeInstances. Update the Spot Optimizer stack (template in cfn-templates/) or add the permission.',
    );
    const keyError = await rejection(newCloud().describeInstances(keyTarget));
    expect(keyError.message).toContain('The access key lacks ec2:DescribeInstances. Attach a policy');
  });

  it('gives up on a call that stays throttled', async () => {
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError('RequestLimitExceeded'));
    const error = await rejection(newCloud().describeSecurityGroups(keyTarget));
    expect(error).toMatchObject({ cloudCode: 'THROTTLED', action: 'ec2:DescribeSecurityGroups' });
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(4);
  });

  it('does not retry errors that will not go away, and keeps the AWS code in them', async () => {
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError('InvalidParameterValue'));
    const error = await rejection(newCloud().describeSecurityGroups(keyTarget));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toContain('InvalidParameterValue');
    expect(error.message).toContain('[redacted]');
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(1);
  });

  it('reports an unreachable API after retrying server errors', async () => {
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError('InternalError', 'An internal error', 500));
    const error = await rejection(newCloud().describeSecurityGroups(keyTarget));
    expect(error).toMatchObject({ cloudCode: 'UNREACHABLE' });
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(4);
  });

  it('pages through Auto Scaling groups and reads mixed-instances policies', async () => {
    const { fake, inputs } = replies(
      {
        AutoScalingGroups: [
          {
            AutoScalingGroupName: 'web',
            MinSize: 1,
            DesiredCapacity: 2,
            MaxSize: 4,
            Instances: [{ InstanceId: 'i-1', InstanceType: 'm5.large' }],
            MixedInstancesPolicy: {
              LaunchTemplate: { Overrides: [{ InstanceType: 'm5.large' }, { InstanceType: 'm6i.large' }] },
              InstancesDistribution: { OnDemandPercentageAboveBaseCapacity: 20 },
            },
            Tags: [{ Key: 'team', Value: 'web' }],
          },
        ],
        NextToken: 'next',
      },
      {
        AutoScalingGroups: [
          {
            AutoScalingGroupName: 'batch',
            MinSize: 0,
            DesiredCapacity: 1,
            MaxSize: 2,
            Instances: [{ InstanceId: 'i-9', InstanceType: 'c5.xlarge' }],
          },
        ],
      },
    );
    autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake(fake);
    const groups = await newCloud().describeAutoScalingGroups(keyTarget);
    expect(inputs.map((input) => input.NextToken)).toEqual([undefined, 'next']);
    expect(groups).toEqual([
      {
        name: 'web',
        minSize: 1,
        desiredCapacity: 2,
        maxSize: 4,
        instanceIds: ['i-1'],
        instanceTypes: ['m5.large', 'm6i.large'],
        onDemandPercentageAboveBase: 20,
        onDemandBaseCapacity: 0,
        tags: { team: 'web' },
      },
      {
        name: 'batch',
        minSize: 0,
        desiredCapacity: 1,
        maxSize: 2,
        instanceIds: ['i-9'],
        instanceTypes: ['c5.xlarge'],
        onDemandPercentageAboveBase: null,
        onDemandBaseCapacity: null,
        tags: {},
      },
    ]);
  });

  it('pages through EKS clusters and describes each, skipping one deleted meanwhile', async () => {
    const { fake, inputs } = replies({ clusters: ['prod', 'gone'], nextToken: 't2' }, { clusters: ['dev'] });
    eks.on(ListClustersCommand).callsFake(fake);
    eks.on(DescribeClusterCommand).callsFake((input: { name: string }) =>
      input.name === 'gone'
        ? Promise.reject(awsError('ResourceNotFoundException', 'No cluster found for name: gone.'))
        : Promise.resolve({
            cluster: {
              name: input.name,
              arn: `arn:aws:eks:eu-west-1:123456789012:cluster/${input.name}`,
              version: '1.31',
              status: 'ACTIVE',
              endpoint: 'https://example.eks.amazonaws.com',
              // CIS 5.4.2 reads who may reach the endpoint (ADR 0052).
              resourcesVpcConfig:
                input.name === 'prod'
                  ? {
                      endpointPublicAccess: true,
                      endpointPrivateAccess: true,
                      publicAccessCidrs: ['203.0.113.0/24'],
                    }
                  : undefined,
              createdAt: new Date('2025-01-01T00:00:00Z'),
              tags: { env: input.name },
            },
          }),
    );
    const clusters = await newCloud().listEksClusters(keyTarget);
    expect(inputs.map((input) => input.nextToken)).toEqual([undefined, 't2']);
    expect(clusters.map((c) => c.name)).toEqual(['prod', 'dev']);
    expect(clusters[0]).toEqual({
      name: 'prod',
      arn: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod',
      kubernetesVersion: '1.31',
      status: 'ACTIVE',
      endpoint: 'https://example.eks.amazonaws.com',
      endpointAccess: { publicAccess: true, privateAccess: true, publicAccessCidrs: ['203.0.113.0/24'] },
      createdAt: '2025-01-01T00:00:00.000Z',
      tags: { env: 'prod' },
    });
    // A cluster described without its VPC config: the access is unknown, not assumed.
    expect(clusters[1]?.endpointAccess).toBeNull();
  });

  it('pages through managed node groups and maps scaling, capacity type, taints and tags', async () => {
    const { fake, inputs } = replies({ nodegroups: ['spot'], nextToken: 'n2' }, { nodegroups: ['base'] });
    eks.on(ListNodegroupsCommand).callsFake(fake);
    eks.on(DescribeNodegroupCommand).callsFake((input: { nodegroupName: string }) =>
      Promise.resolve({
        nodegroup: {
          nodegroupName: input.nodegroupName,
          capacityType: input.nodegroupName === 'spot' ? 'SPOT' : 'ON_DEMAND',
          instanceTypes: ['m5.large', 'm5a.large'],
          scalingConfig: { minSize: 0, desiredSize: 2, maxSize: 5 },
          resources: { autoScalingGroups: [{ name: `eks-${input.nodegroupName}` }] },
          labels: { role: input.nodegroupName },
          taints: [{ key: 'spot', value: 'true', effect: 'NO_SCHEDULE' }],
          status: 'ACTIVE',
          tags: { team: 'payments' },
        },
      }),
    );
    const nodegroups = await newCloud().listNodegroups(keyTarget, 'prod');
    expect(inputs).toEqual([
      { clusterName: 'prod', maxResults: 100, nextToken: undefined },
      { clusterName: 'prod', maxResults: 100, nextToken: 'n2' },
    ]);
    expect(nodegroups[0]).toEqual({
      clusterName: 'prod',
      name: 'spot',
      capacityType: 'spot',
      instanceTypes: ['m5.large', 'm5a.large'],
      minSize: 0,
      desiredSize: 2,
      maxSize: 5,
      autoScalingGroupNames: ['eks-spot'],
      labels: { role: 'spot' },
      taints: [{ key: 'spot', value: 'true', effect: 'NoSchedule' }],
      status: 'ACTIVE',
      // The group's AWS tags (hibernation's excluded tags).
      tags: { team: 'payments' },
    });
    expect(nodegroups[1]?.capacityType).toBe('on-demand');
    expect(eks.commandCalls(DescribeNodegroupCommand)[1]?.args[0].input).toEqual({
      clusterName: 'prod',
      nodegroupName: 'base',
    });
  });

  it('describes instance types in batches of 100 names, paginated within a batch', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `x${i}.large`);
    const typeInfo = (name: string) => ({
      InstanceType: name,
      VCpuInfo: { DefaultVCpus: 2 },
      MemoryInfo: { SizeInMiB: 8192 },
      ProcessorInfo: { SupportedArchitectures: ['x86_64' as const] },
      GpuInfo: { Gpus: [{ Count: 1 }, { Count: 2 }] },
      BurstablePerformanceSupported: false,
    });
    const inputs: { values: string[]; token?: string }[] = [];
    ec2.on(DescribeInstanceTypesCommand).callsFake((input) => {
      const values: string[] = input.Filters[0].Values;
      inputs.push({ values, token: input.NextToken });
      if (values.length === 100 && !input.NextToken) {
        return Promise.resolve({ InstanceTypes: values.slice(0, 50).map(typeInfo), NextToken: 'more' });
      }
      if (values.length === 100) return Promise.resolve({ InstanceTypes: values.slice(50).map(typeInfo) });
      return Promise.resolve({ InstanceTypes: values.map(typeInfo) });
    });
    const types = await newCloud().describeInstanceTypes(keyTarget, [...names, 'x0.large']);
    expect(inputs.map((input) => [input.values.length, input.token])).toEqual([
      [100, undefined],
      [50, undefined],
      [100, 'more'],
    ]);
    expect(types).toHaveLength(150);
    expect(types[0]).toEqual({
      instanceType: 'x0.large',
      vcpus: 2,
      memoryMiB: 8192,
      architectures: ['x86_64'],
      gpus: 3,
      burstable: false,
    });
    await expect(newCloud().describeInstanceTypes(keyTarget, [])).resolves.toEqual([]);
  });

  it('pages through spot price history since a date', async () => {
    const since = new Date('2026-03-01T00:00:00Z');
    const { fake, inputs } = replies(
      {
        SpotPriceHistory: [
          {
            InstanceType: 'm5.large',
            AvailabilityZone: 'eu-west-1a',
            SpotPrice: '0.038100',
            Timestamp: new Date('2026-03-01T12:00:00Z'),
          },
        ],
        NextToken: 's2',
      },
      {
        SpotPriceHistory: [
          {
            InstanceType: 'm5.large',
            AvailabilityZone: 'eu-west-1b',
            SpotPrice: '0.0402',
            Timestamp: new Date('2026-03-01T13:00:00Z'),
          },
        ],
      },
    );
    ec2.on(DescribeSpotPriceHistoryCommand).callsFake(fake);
    const points = await newCloud().spotPriceHistory(keyTarget, ['m5.large'], since);
    expect(inputs[0]).toMatchObject({
      InstanceTypes: ['m5.large'],
      ProductDescriptions: ['Linux/UNIX'],
      StartTime: since,
      EndTime: now,
    });
    expect(inputs.map((input) => input.NextToken)).toEqual([undefined, 's2']);
    expect(points).toEqual([
      {
        instanceType: 'm5.large',
        availabilityZone: 'eu-west-1a',
        priceUsdPerHour: 0.0381,
        timestamp: '2026-03-01T12:00:00.000Z',
      },
      {
        instanceType: 'm5.large',
        availabilityZone: 'eu-west-1b',
        priceUsdPerHour: 0.0402,
        timestamp: '2026-03-01T13:00:00.000Z',
      },
    ]);
  });

  it('pages through security groups', async () => {
    const { fake, inputs } = replies(
      {
        SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'nodes', VpcId: 'vpc-1', Description: 'EKS nodes' }],
        NextToken: 'g2',
      },
      { SecurityGroups: [{ GroupId: 'sg-2', GroupName: 'default', Description: 'default' }] },
    );
    ec2.on(DescribeSecurityGroupsCommand).callsFake(fake);
    await expect(newCloud().describeSecurityGroups(keyTarget)).resolves.toEqual([
      { groupId: 'sg-1', groupName: 'nodes', vpcId: 'vpc-1', description: 'EKS nodes' },
      { groupId: 'sg-2', groupName: 'default', vpcId: null, description: 'default' },
    ]);
    expect(inputs.map((input) => input.NextToken)).toEqual([undefined, 'g2']);
  });
});

describe('onDemandPrices (Pricing API)', () => {
  const product = (instanceType: string, usd: string, unit = 'Hrs') =>
    JSON.stringify({
      product: { attributes: { instanceType, regionCode: 'eu-west-1', operatingSystem: 'Linux' } },
      terms: {
        OnDemand: {
          'SKU.JRTCKXETXF': {
            priceDimensions: {
              'SKU.JRTCKXETXF.6YS6EN2CT7': {
                unit,
                pricePerUnit: { USD: usd },
                description: '$0.107 per hour',
              },
            },
          },
        },
      },
    });

  it('asks us-east-1 with the region and type filters and parses the hourly USD price', async () => {
    pricing.on(GetProductsCommand).callsFake((input: { Filters: { Field: string; Value: string }[] }) => {
      const type = input.Filters.find((f) => f.Field === 'instanceType')?.Value;
      if (type === 'm5.large') return Promise.resolve({ PriceList: [product('m5.large', '0.1070000000')] });
      if (type === 'c5.large') {
        return Promise.resolve({ PriceList: ['not json', product('c5.large', '0.0000000000')] });
      }
      return Promise.resolve({ PriceList: [] });
    });
    const prices = await newCloud().onDemandPrices(keyTarget, ['m5.large', 'c5.large', 'z9.huge']);
    expect(prices).toEqual({ 'm5.large': 0.107 });
    const call = pricing.commandCalls(GetProductsCommand)[0];
    expect(await clientOf<PricingClient>(call).config.region()).toBe('us-east-1');
    expect(call?.args[0].input.ServiceCode).toBe('AmazonEC2');
    expect(call?.args[0].input.Filters).toEqual(
      expect.arrayContaining([
        { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-1' },
        { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
        { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
        { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
        { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
        { Type: 'TERM_MATCH', Field: 'instanceType', Value: 'm5.large' },
      ]),
    );
  });

  it('reads every page of products', async () => {
    const { fake, inputs } = replies(
      { PriceList: [product('m5.large', '0.1', 'Quantity')], NextToken: 'p2' },
      { PriceList: [product('m5.large', '0.107')] },
    );
    pricing.on(GetProductsCommand).callsFake(fake);
    await expect(newCloud().onDemandPrices(keyTarget, ['m5.large'])).resolves.toEqual({ 'm5.large': 0.107 });
    expect(inputs.map((input) => input.NextToken)).toEqual([undefined, 'p2']);
  });

  it('names pricing:GetProducts when it is denied', async () => {
    pricing.on(GetProductsCommand).rejects(awsError('AccessDeniedException'));
    const error = await rejection(newCloud().onDemandPrices(roleTarget, ['m5.large']));
    expect(error).toMatchObject({ cloudCode: 'ACCESS_DENIED', action: 'pricing:GetProducts' });
  });
});

describe('getMetricData', () => {
  const from = new Date('2026-03-01T00:00:00Z');
  const to = new Date('2026-03-02T00:00:00Z');
  const query = (id: string, stat: MetricQuery['stat'] = 'Average'): MetricQuery => ({
    id,
    namespace: 'AWS/EC2',
    metricName: 'CPUUtilization',
    dimensions: { InstanceId: 'i-1' },
    stat,
    periodSeconds: 3600,
  });

  it('sends at most 500 queries per call, pages through results and merges them per query', async () => {
    const queries = Array.from({ length: 501 }, (_, i) => query(`q${i}`, i === 0 ? 'p95' : 'Maximum'));
    const inputs: { count: number; token?: string }[] = [];
    cloudWatch.on(GetMetricDataCommand).callsFake((input) => {
      inputs.push({ count: input.MetricDataQueries.length, token: input.NextToken });
      if (input.MetricDataQueries.length === 1) {
        return Promise.resolve({
          MetricDataResults: [{ Id: 'q500', Timestamps: [new Date('2026-03-01T05:00:00Z')], Values: [7] }],
        });
      }
      if (!input.NextToken) {
        return Promise.resolve({
          MetricDataResults: [{ Id: 'q0', Timestamps: [new Date('2026-03-01T01:00:00Z')], Values: [42.5] }],
          NextToken: 'm2',
        });
      }
      return Promise.resolve({
        MetricDataResults: [{ Id: 'q0', Timestamps: [new Date('2026-03-01T02:00:00Z')], Values: [50] }],
      });
    });
    const series = await newCloud().getMetricData(keyTarget, queries, from, to);
    expect(inputs).toEqual([
      { count: 500, token: undefined },
      { count: 500, token: 'm2' },
      { count: 1, token: undefined },
    ]);
    expect(series).toHaveLength(501);
    expect(series[0]).toEqual({
      id: 'q0',
      points: [
        { timestamp: '2026-03-01T01:00:00.000Z', value: 42.5 },
        { timestamp: '2026-03-01T02:00:00.000Z', value: 50 },
      ],
    });
    expect(series[1]).toEqual({ id: 'q1', points: [] });
    expect(series[500]?.points).toEqual([{ timestamp: '2026-03-01T05:00:00.000Z', value: 7 }]);
    const sent = cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(sent?.MetricDataQueries?.[0]).toEqual({
      Id: 'q0',
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/EC2',
          MetricName: 'CPUUtilization',
          Dimensions: [{ Name: 'InstanceId', Value: 'i-1' }],
        },
        Period: 3600,
        Stat: 'p95',
      },
    });
    expect(sent).toMatchObject({ StartTime: from, EndTime: to });
  });

  it('refuses query ids CloudWatch would reject, before calling it', async () => {
    await expect(newCloud().getMetricData(keyTarget, [query('Bad-Id')], from, to)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      newCloud().getMetricData(keyTarget, [query('a'), query('a')], from, to),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});

describe('lookupInstanceLaunches', () => {
  const runInstances = (instanceId: string, identity: Record<string, unknown>, at: string) => ({
    EventName: 'RunInstances',
    EventTime: new Date(at),
    Username: 'fallback-name',
    Resources: [{ ResourceType: 'AWS::EC2::Instance', ResourceName: instanceId }],
    CloudTrailEvent: JSON.stringify({ eventName: 'RunInstances', userIdentity: identity }),
  });

  it('names the principal of each instance’s RunInstances event, one ResourceName per call, and says which were not found', async () => {
    cloudTrail
      .on(LookupEventsCommand, {
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'i-0aaa' }],
      })
      .resolves({
        Events: [
          { EventName: 'CreateTags', EventTime: new Date('2026-03-01T09:00:00Z'), Username: 'someone' },
          runInstances(
            'i-0aaa',
            { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/alice', userName: 'alice' },
            '2026-03-01T08:00:00Z',
          ),
        ],
      })
      .on(LookupEventsCommand, {
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'i-0bbb' }],
      })
      // The launch is older than the first page: the next page is read.
      .resolvesOnce({ Events: [{ EventName: 'StopInstances', Username: 'x' }], NextToken: 'page-2' })
      .resolves({
        Events: [
          runInstances(
            'i-0bbb',
            {
              type: 'AssumedRole',
              arn: 'arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling',
              invokedBy: 'autoscaling.amazonaws.com',
            },
            '2026-02-20T08:00:00Z',
          ),
        ],
      })
      .on(LookupEventsCommand, {
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'i-0ccc' }],
      })
      .resolves({ Events: [] });

    const launches = await newCloud().lookupInstanceLaunches(roleTarget, [
      'i-0aaa',
      'i-0bbb',
      'i-0ccc',
      'i-0aaa',
    ]);
    expectNoSecret(launches);
    expect(launches).toEqual({
      'i-0aaa': {
        outcome: 'found',
        principal: 'arn:aws:iam::123456789012:user/alice',
        eventTime: '2026-03-01T08:00:00.000Z',
      },
      'i-0bbb': {
        outcome: 'found',
        principal: 'arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling',
        eventTime: '2026-02-20T08:00:00.000Z',
      },
      'i-0ccc': { outcome: 'not-found' },
    });
    const inputs = cloudTrail.commandCalls(LookupEventsCommand).map((c) => c.args[0].input);
    // One attribute per call (LookupEvents allows no more), the duplicate asked once.
    expect(inputs.map((i) => i.LookupAttributes)).toEqual([
      [{ AttributeKey: 'ResourceName', AttributeValue: 'i-0aaa' }],
      [{ AttributeKey: 'ResourceName', AttributeValue: 'i-0bbb' }],
      [{ AttributeKey: 'ResourceName', AttributeValue: 'i-0bbb' }],
      [{ AttributeKey: 'ResourceName', AttributeValue: 'i-0ccc' }],
    ]);
    expect(inputs[2]?.NextToken).toBe('page-2');
  });

  it('asks about 20 instances at most; the rest are unknown, not looked up', async () => {
    cloudTrail.on(LookupEventsCommand).resolves({ Events: [] });
    const ids = Array.from({ length: 25 }, (_, i) => `i-0${i}`);
    const launches = await newCloud().lookupInstanceLaunches(keyTarget, ids);
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(20);
    expect(launches['i-019']).toEqual({ outcome: 'not-found' });
    expect(launches['i-020']).toMatchObject({ outcome: 'unknown', reason: 'not-looked-up' });
    expect(Object.keys(launches)).toHaveLength(25);
  });

  it('a role without cloudtrail:LookupEvents leaves every launcher unknown after one refused call', async () => {
    cloudTrail
      .on(LookupEventsCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          `not authorized to perform cloudtrail:LookupEvents ${secretAccessKey}`,
        ),
      );
    const launches = await newCloud().lookupInstanceLaunches(roleTarget, ['i-0aaa', 'i-0bbb']);
    expectNoSecret(launches);
    const unknown = {
      outcome: 'unknown',
      reason: 'access-denied',
      message: 'cloudtrail:LookupEvents not allowed',
    };
    expect(launches).toEqual({ 'i-0aaa': unknown, 'i-0bbb': unknown });
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(1);
  });

  it('retries throttling with backoff, then gives up on the rest as unknown instead of failing', async () => {
    cloudTrail
      .on(LookupEventsCommand, {
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'i-0aaa' }],
      })
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({
        Events: [
          runInstances('i-0aaa', { arn: 'arn:aws:iam::123456789012:user/bob' }, '2026-03-01T00:00:00Z'),
        ],
      })
      .on(LookupEventsCommand, {
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'i-0bbb' }],
      })
      .rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const launches = await newCloud().lookupInstanceLaunches(keyTarget, ['i-0aaa', 'i-0bbb', 'i-0ccc']);
    expect(launches['i-0aaa']).toMatchObject({
      outcome: 'found',
      principal: 'arn:aws:iam::123456789012:user/bob',
    });
    expect(launches['i-0bbb']).toMatchObject({ outcome: 'unknown', reason: 'throttled' });
    expect(launches['i-0ccc']).toEqual(launches['i-0bbb']);
    // i-0aaa: 1 throttled + 1 answer; i-0bbb: every attempt throttled (4); i-0ccc: not asked.
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(6);
    expect(delays.length).toBe(4);
  });
});

describe('writes', () => {
  it('sets min, desired and max of an Auto Scaling group', async () => {
    autoScaling.on(UpdateAutoScalingGroupCommand).resolves({});
    await newCloud().updateAutoScalingGroup(roleTarget, {
      name: 'web',
      minSize: 0,
      desiredCapacity: 0,
      maxSize: 0,
    });
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)[0]?.args[0].input).toEqual({
      AutoScalingGroupName: 'web',
      MinSize: 0,
      DesiredCapacity: 0,
      MaxSize: 0,
    });
  });

  it('sets the scaling config of a node group with one idempotency token across retries', async () => {
    eks.on(UpdateNodegroupConfigCommand).rejectsOnce(awsError('ThrottlingException')).resolves({});
    await newCloud().updateNodegroupScaling(roleTarget, {
      clusterName: 'prod',
      nodegroupName: 'spot',
      minSize: 0,
      desiredSize: 0,
      maxSize: 1,
    });
    const calls = eks.commandCalls(UpdateNodegroupConfigCommand).map((call) => call.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual({
      clusterName: 'prod',
      nodegroupName: 'spot',
      scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 1 },
      clientRequestToken: expect.any(String),
    });
    expect(calls[1]?.clientRequestToken).toBe(calls[0]?.clientRequestToken);
  });

  it('refuses sizes AWS would reject, without calling it', async () => {
    const cloud = newCloud();
    const nodegroup = { clusterName: 'prod', nodegroupName: 'spot', minSize: 0, desiredSize: 0, maxSize: 0 };
    const error = await rejection(cloud.updateNodegroupScaling(roleTarget, nodegroup));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('maximum size of at least 1');
    await expect(
      cloud.updateAutoScalingGroup(roleTarget, { name: 'web', minSize: 3, desiredCapacity: 1, maxSize: 4 }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      cloud.updateAutoScalingGroup(roleTarget, { name: 'web', minSize: -1, desiredCapacity: 1, maxSize: 4 }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(eks.commandCalls(UpdateNodegroupConfigCommand)).toHaveLength(0);
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)).toHaveLength(0);
  });

  it('terminates a drained instance in its Auto Scaling group, decrementing the desired capacity', async () => {
    autoScaling
      .on(TerminateInstanceInAutoScalingGroupCommand)
      .rejectsOnce(awsError('Throttling'))
      .resolves({
        Activity: { ActivityId: 'act-1', Description: 'Terminating EC2 instance: i-0abc' } as never,
      });
    const result = await newCloud().terminateInstanceInAutoScalingGroup(roleTarget, {
      instanceId: 'i-0abc',
      decrementDesiredCapacity: true,
    });
    expect(result).toEqual({
      outcome: 'terminating',
      activityId: 'act-1',
      description: 'Terminating EC2 instance: i-0abc',
    });
    const calls = autoScaling.commandCalls(TerminateInstanceInAutoScalingGroupCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input).toEqual({ InstanceId: 'i-0abc', ShouldDecrementDesiredCapacity: true });
  });

  it('skips a termination the role may not make, naming the permission and the stack option', async () => {
    autoScaling.on(TerminateInstanceInAutoScalingGroupCommand).rejects(awsError('AccessDenied'));
    const result = await newCloud().terminateInstanceInAutoScalingGroup(roleTarget, {
      instanceId: 'i-0abc',
      decrementDesiredCapacity: true,
    });
    expectNoSecret(result);
    expect(result).toMatchObject({ outcome: 'skipped', reason: 'access-denied' });
    const message = (result as { message: string }).message;
    expect(message).toContain('autoscaling:TerminateInstanceInAutoScalingGroup');
    expect(message).toContain('EnableWriteActions=true');
  });

  it('gives up on a termination that stays throttled, naming the action', async () => {
    autoScaling.on(TerminateInstanceInAutoScalingGroupCommand).rejects(awsError('Throttling'));
    const error = await rejection(
      newCloud().terminateInstanceInAutoScalingGroup(roleTarget, {
        instanceId: 'i-0abc',
        decrementDesiredCapacity: true,
      }),
    );
    expect(error).toMatchObject({
      cloudCode: 'THROTTLED',
      action: 'autoscaling:TerminateInstanceInAutoScalingGroup',
    });
  });

  it('skips a termination below the group minimum or of an instance no longer in the group', async () => {
    autoScaling
      .on(TerminateInstanceInAutoScalingGroupCommand)
      .rejectsOnce(
        awsError(
          'ValidationError',
          "Currently, desiredSize equals minSize (2). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
        ),
      )
      .rejectsOnce(
        awsError(
          'ValidationError',
          'Instance Id not found - No managed instance found for instance ID i-0abc',
        ),
      );
    const cloud = newCloud();
    const request = { instanceId: 'i-0abc', decrementDesiredCapacity: true };
    expect(await cloud.terminateInstanceInAutoScalingGroup(roleTarget, request)).toMatchObject({
      outcome: 'skipped',
      reason: 'group-minimum',
    });
    expect(await cloud.terminateInstanceInAutoScalingGroup(roleTarget, request)).toMatchObject({
      outcome: 'skipped',
      reason: 'not-in-group',
    });
  });

  it('reads scaling activities newest first and stops paging at the first one older than asked', async () => {
    autoScaling
      .on(DescribeScalingActivitiesCommand)
      .resolvesOnce({
        Activities: [
          {
            ActivityId: 'a-2',
            AutoScalingGroupName: 'workers',
            Cause: 'capacity',
            StartTime: new Date('2026-12-01T11:50:00Z'),
            StatusCode: 'Failed',
            StatusMessage:
              'We currently do not have sufficient m5.large capacity (InsufficientInstanceCapacity).',
            Description: 'Launching a new EC2 instance.  Status Reason: ...',
          },
          {
            ActivityId: 'a-1',
            AutoScalingGroupName: 'workers',
            Cause: 'capacity',
            StartTime: new Date('2026-12-01T09:00:00Z'),
            StatusCode: 'Successful',
          },
        ],
        NextToken: 'more',
      })
      .resolves({ Activities: [] });
    const activities = await newCloud().describeScalingActivities(
      roleTarget,
      'workers',
      new Date('2026-12-01T11:00:00Z'),
    );
    expect(activities).toEqual([
      {
        activityId: 'a-2',
        statusCode: 'Failed',
        statusMessage:
          'We currently do not have sufficient m5.large capacity (InsufficientInstanceCapacity).',
        description: 'Launching a new EC2 instance.  Status Reason: ...',
        startTime: '2026-12-01T11:50:00.000Z',
      },
    ]);
    // The older activity ended the read: the second page was never asked for.
    expect(autoScaling.commandCalls(DescribeScalingActivitiesCommand)).toHaveLength(1);
    expect(autoScaling.commandCalls(DescribeScalingActivitiesCommand)[0]?.args[0].input).toMatchObject({
      AutoScalingGroupName: 'workers',
    });
  });

  it("sets only a group's on-demand distribution, and skips naming the permission when denied", async () => {
    autoScaling.on(UpdateAutoScalingGroupCommand).resolvesOnce({}).rejectsOnce(awsError('AccessDenied'));
    const cloud = newCloud();
    const update = { name: 'workers', onDemandBaseCapacity: 1, onDemandPercentageAboveBase: 100 };
    expect(await cloud.updateOnDemandDistribution(roleTarget, update)).toEqual({ outcome: 'updated' });
    expect(autoScaling.commandCalls(UpdateAutoScalingGroupCommand)[0]?.args[0].input).toEqual({
      AutoScalingGroupName: 'workers',
      MixedInstancesPolicy: {
        InstancesDistribution: { OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 100 },
      },
    });
    const denied = await cloud.updateOnDemandDistribution(roleTarget, update);
    expectNoSecret(denied);
    expect(denied).toMatchObject({ outcome: 'skipped', reason: 'access-denied' });
    expect((denied as { message: string }).message).toContain('autoscaling:UpdateAutoScalingGroup');
    await expect(
      cloud.updateOnDemandDistribution(roleTarget, { ...update, onDemandPercentageAboveBase: 101 }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('points to the write option of the stack when a write is denied', async () => {
    autoScaling.on(UpdateAutoScalingGroupCommand).rejects(awsError('AccessDenied'));
    const error = await rejection(
      newCloud().updateAutoScalingGroup(roleTarget, {
        name: 'web',
        minSize: 0,
        desiredCapacity: 0,
        maxSize: 1,
      }),
    );
    expect(error).toMatchObject({ cloudCode: 'ACCESS_DENIED', action: 'autoscaling:UpdateAutoScalingGroup' });
    expect(error.message).toContain('EnableWriteActions=true');
  });
});

describe('forEachRegion', () => {
  it('reports a disabled region and a denied region while the others succeed', async () => {
    ec2.on(DescribeInstancesCommand).callsFake((_input, getClient) => {
      return getClient()
        .config.region()
        .then((region: string) => {
          if (region === 'ap-east-1')
            return Promise.reject(awsError('OptInRequired', 'You are not subscribed.'));
          if (region === 'me-south-1') return Promise.reject(awsError('UnrecognizedClientException'));
          if (region === 'eu-north-1') return Promise.reject(awsError('UnauthorizedOperation'));
          return Promise.resolve({
            Reservations: [{ Instances: [{ InstanceId: `i-${region}`, InstanceType: 't3.micro' }] }],
          });
        });
    });
    const cloud = newCloud();
    const regions = ['us-east-1', 'ap-east-1', 'me-south-1', 'eu-north-1', 'eu-west-1'];
    const results = await forEachRegion(regions, (region) =>
      cloud.describeInstances({ ...roleTarget, region }),
    );
    expectNoSecret(results);
    expect(results.map((r) => [r.region, r.ok, r.error?.code])).toEqual([
      ['us-east-1', true, undefined],
      ['ap-east-1', false, 'REGION_DISABLED'],
      ['me-south-1', false, 'REGION_DISABLED'],
      ['eu-north-1', false, 'ACCESS_DENIED'],
      ['eu-west-1', true, undefined],
    ]);
    expect(results[0]?.value?.[0]?.instanceId).toBe('i-us-east-1');
    expect(results[1]?.error?.message).toContain('ap-east-1 is not enabled');
    expect(results[3]?.error?.message).toContain('ec2:DescribeInstances');
  });

  it('keeps at most the given number of regions in flight and hides unexpected errors', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await forEachRegion(
      ['a', 'b', 'c', 'd', 'e', 'f'],
      async (region) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        if (region === 'c') throw new Error(`boom with ${secretAccessKey}`);
        return region.toUpperCase();
      },
      { concurrency: 2 },
    );
    expectNoSecret(results);
    expect(peak).toBe(2);
    expect(results.map((r) => r.value ?? r.error?.code)).toEqual(['A', 'B', 'INTERNAL', 'D', 'E', 'F']);
  });
});

describe('every call', () => {
  const metricQuery: MetricQuery = {
    id: 'cpu',
    namespace: 'AWS/EC2',
    metricName: 'CPUUtilization',
    dimensions: {},
    stat: 'Average',
    periodSeconds: 300,
  };
  const day = new Date('2026-03-01T00:00:00Z');

  /** Per call: its IAM action, how to make its SDK command fail (once or always), and how to invoke it. */
  const cases: {
    method: keyof CustomerCloudPort;
    action: string;
    fail: (error: Error, once: boolean) => void;
    invoke: (cloud: AwsCustomerCloud, target: CloudTarget) => Promise<unknown>;
  }[] = [
    {
      method: 'identify',
      action: 'sts:GetCallerIdentity',
      fail: (e, once) =>
        once
          ? sts.on(GetCallerIdentityCommand).rejectsOnce(e).resolves({ Account: '123456789012', Arn: 'arn' })
          : sts.on(GetCallerIdentityCommand).rejects(e),
      invoke: (cloud, target) => cloud.identify(target),
    },
    {
      method: 'listRegions',
      action: 'ec2:DescribeRegions',
      fail: (e, once) =>
        once
          ? ec2.on(DescribeRegionsCommand).rejectsOnce(e).resolves({})
          : ec2.on(DescribeRegionsCommand).rejects(e),
      invoke: (cloud, target) => cloud.listRegions(target),
    },
    {
      method: 'describeInstances',
      action: 'ec2:DescribeInstances',
      fail: (e, once) =>
        once
          ? ec2.on(DescribeInstancesCommand).rejectsOnce(e).resolves({})
          : ec2.on(DescribeInstancesCommand).rejects(e),
      invoke: (cloud, target) => cloud.describeInstances(target),
    },
    {
      method: 'describeAutoScalingGroups',
      action: 'autoscaling:DescribeAutoScalingGroups',
      fail: (e, once) =>
        once
          ? autoScaling.on(DescribeAutoScalingGroupsCommand).rejectsOnce(e).resolves({})
          : autoScaling.on(DescribeAutoScalingGroupsCommand).rejects(e),
      invoke: (cloud, target) => cloud.describeAutoScalingGroups(target),
    },
    {
      method: 'listEksClusters',
      action: 'eks:ListClusters',
      fail: (e, once) =>
        once
          ? eks.on(ListClustersCommand).rejectsOnce(e).resolves({})
          : eks.on(ListClustersCommand).rejects(e),
      invoke: (cloud, target) => cloud.listEksClusters(target),
    },
    {
      method: 'listEksClusters',
      action: 'eks:DescribeCluster',
      fail: (e, once) => {
        eks.on(ListClustersCommand).resolves({ clusters: ['prod'] });
        if (once)
          eks
            .on(DescribeClusterCommand)
            .rejectsOnce(e)
            .resolves({ cluster: { name: 'prod' } });
        else eks.on(DescribeClusterCommand).rejects(e);
      },
      invoke: (cloud, target) => cloud.listEksClusters(target),
    },
    {
      method: 'listNodegroups',
      action: 'eks:ListNodegroups',
      fail: (e, once) =>
        once
          ? eks.on(ListNodegroupsCommand).rejectsOnce(e).resolves({})
          : eks.on(ListNodegroupsCommand).rejects(e),
      invoke: (cloud, target) => cloud.listNodegroups(target, 'prod'),
    },
    {
      method: 'listNodegroups',
      action: 'eks:DescribeNodegroup',
      fail: (e, once) => {
        eks.on(ListNodegroupsCommand).resolves({ nodegroups: ['spot'] });
        if (once)
          eks
            .on(DescribeNodegroupCommand)
            .rejectsOnce(e)
            .resolves({ nodegroup: { nodegroupName: 'spot' } });
        else eks.on(DescribeNodegroupCommand).rejects(e);
      },
      invoke: (cloud, target) => cloud.listNodegroups(target, 'prod'),
    },
    {
      method: 'describeInstanceTypes',
      action: 'ec2:DescribeInstanceTypes',
      fail: (e, once) =>
        once
          ? ec2.on(DescribeInstanceTypesCommand).rejectsOnce(e).resolves({})
          : ec2.on(DescribeInstanceTypesCommand).rejects(e),
      invoke: (cloud, target) => cloud.describeInstanceTypes(target, ['m5.large']),
    },
    {
      method: 'spotPriceHistory',
      action: 'ec2:DescribeSpotPriceHistory',
      fail: (e, once) =>
        once
          ? ec2.on(DescribeSpotPriceHistoryCommand).rejectsOnce(e).resolves({})
          : ec2.on(DescribeSpotPriceHistoryCommand).rejects(e),
      invoke: (cloud, target) => cloud.spotPriceHistory(target, ['m5.large'], day),
    },
    {
      method: 'onDemandPrices',
      action: 'pricing:GetProducts',
      fail: (e, once) =>
        once
          ? pricing.on(GetProductsCommand).rejectsOnce(e).resolves({})
          : pricing.on(GetProductsCommand).rejects(e),
      invoke: (cloud, target) => cloud.onDemandPrices(target, ['m5.large']),
    },
    {
      method: 'getMetricData',
      action: 'cloudwatch:GetMetricData',
      fail: (e, once) =>
        once
          ? cloudWatch.on(GetMetricDataCommand).rejectsOnce(e).resolves({})
          : cloudWatch.on(GetMetricDataCommand).rejects(e),
      invoke: (cloud, target) => cloud.getMetricData(target, [metricQuery], day, now),
    },
    {
      method: 'describeSecurityGroups',
      action: 'ec2:DescribeSecurityGroups',
      fail: (e, once) =>
        once
          ? ec2.on(DescribeSecurityGroupsCommand).rejectsOnce(e).resolves({})
          : ec2.on(DescribeSecurityGroupsCommand).rejects(e),
      invoke: (cloud, target) => cloud.describeSecurityGroups(target),
    },
    {
      method: 'putObject',
      action: 's3:PutObject',
      fail: (e, once) =>
        once ? s3.on(PutObjectCommand).rejectsOnce(e).resolves({}) : s3.on(PutObjectCommand).rejects(e),
      invoke: (cloud, target) =>
        cloud.putObject(target, {
          bucket: 'audit',
          key: 'a.json',
          body: '{}',
          contentType: 'application/json',
        }),
    },
    {
      method: 'updateAutoScalingGroup',
      action: 'autoscaling:UpdateAutoScalingGroup',
      fail: (e, once) =>
        once
          ? autoScaling.on(UpdateAutoScalingGroupCommand).rejectsOnce(e).resolves({})
          : autoScaling.on(UpdateAutoScalingGroupCommand).rejects(e),
      invoke: (cloud, target) =>
        cloud.updateAutoScalingGroup(target, { name: 'web', minSize: 0, desiredCapacity: 0, maxSize: 1 }),
    },
    {
      method: 'describeScalingActivities',
      action: 'autoscaling:DescribeScalingActivities',
      fail: (e, once) =>
        once
          ? autoScaling.on(DescribeScalingActivitiesCommand).rejectsOnce(e).resolves({})
          : autoScaling.on(DescribeScalingActivitiesCommand).rejects(e),
      invoke: (cloud, target) => cloud.describeScalingActivities(target, 'workers', day),
    },
    {
      method: 'updateNodegroupScaling',
      action: 'eks:UpdateNodegroupConfig',
      fail: (e, once) =>
        once
          ? eks.on(UpdateNodegroupConfigCommand).rejectsOnce(e).resolves({})
          : eks.on(UpdateNodegroupConfigCommand).rejects(e),
      invoke: (cloud, target) =>
        cloud.updateNodegroupScaling(target, {
          clusterName: 'prod',
          nodegroupName: 'spot',
          minSize: 0,
          desiredSize: 0,
          maxSize: 1,
        }),
    },
  ];

  it('covers every method of the port', () => {
    const methods = Object.getOwnPropertyNames(AwsCustomerCloud.prototype).filter(
      (name) =>
        name !== 'constructor' &&
        !['clientsFor', 'context', 'toError', 'send', 'pages', 'launchOf'].includes(name),
    );
    const invoked = new Set(cases.map((c) => c.invoke.toString().match(/cloud\.(\w+)\(/)?.[1]));
    // A denied termination is a skip with its reason, not an error: its own cases are under 'writes'; a
    // denied or throttled launch lookup is an unknown launcher (cases under 'lookupInstanceLaunches').
    expect(methods.filter((method) => !invoked.has(method))).toEqual([
      'checkPermissions',
      'lookupInstanceLaunches',
      'terminateInstanceInAutoScalingGroup',
      'updateOnDemandDistribution',
    ]);
  });

  it.each(cases)('$action: AccessDenied names the action', async ({ action, fail, invoke }) => {
    fail(awsError(action.startsWith('ec2:') ? 'UnauthorizedOperation' : 'AccessDenied'), false);
    const error = await rejection(invoke(newCloud(), roleTarget));
    expect(error).toBeInstanceOf(CloudAccessError);
    expect(error).toMatchObject({ cloudCode: 'ACCESS_DENIED', action });
    expect(error.message).toContain(`The role lacks ${action}.`);
  });

  it.each(cases)('$action: throttling is retried, then succeeds', async ({ fail, invoke }) => {
    fail(awsError('ThrottlingException'), true);
    const result = await invoke(newCloud(), keyTarget);
    expectNoSecret(result);
    expect(delays).toHaveLength(1);
  });

  it.each(cases)('$action: throttling gives up after four attempts', async ({ action, fail, invoke }) => {
    fail(awsError('TooManyRequestsException'), false);
    expect(await rejection(invoke(newCloud(), keyTarget))).toMatchObject({ cloudCode: 'THROTTLED', action });
    expect(delays).toHaveLength(3);
  });

  it.each(cases)(
    '$action: a disabled region is reported while another succeeds',
    async ({ fail, invoke }) => {
      fail(awsError('OptInRequired'), true);
      const cloud = newCloud();
      const results = await forEachRegion(
        ['ap-east-1', 'eu-west-1'],
        (region) => invoke(cloud, { ...keyTarget, region }),
        {
          concurrency: 1,
        },
      );
      expectNoSecret(results);
      expect(results.map((r) => [r.region, r.ok, r.error?.code])).toEqual([
        ['ap-east-1', false, 'REGION_DISABLED'],
        ['eu-west-1', true, undefined],
      ]);
    },
  );
});
