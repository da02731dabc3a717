import { randomBytes, randomUUID } from 'node:crypto';
import { LocalKeyService } from '@spot/local/keys';
import { CloudAccessError } from '@spot/shared';
import type { CloudTarget, CustomerCloudPort, PermissionCheck, SecurityGroup } from '../src/ports/cloud';
import { configurePorts } from '../src/ports/index';
import type { SchedulerPort, ScheduleSpec, WorkflowPort } from '../src/ports/types';
import type { WorkflowName } from '../src/workflows/index';
import { call } from './support/services';

/**
 * A customer cloud for the connect tests: access keys and roles registered by the test, STS answered
 * from them, and read actions allowed unless listed in `denied`. Inventory calls answer "nothing here",
 * so a real discovery run over this cloud finds an empty account.
 */
export class FakeCloud implements CustomerCloudPort {
  private readonly keys = new Map<string, { secret: string; awsAccountId: string }>();
  private readonly roles = new Map<string, string>();
  readonly denied = new Set<string>();
  readonly identified: CloudTarget[] = [];
  /**
   * Injected failures: the next calls of a method throw this error (as the real adapter would throw it,
   * e.g. `toDomainError` of a timeout) until the fault is deleted.
   */
  readonly faults = new Map<'identify' | 'checkPermissions' | 'listRegions', unknown>();

  private failIfFaulted(method: 'identify' | 'checkPermissions' | 'listRegions') {
    if (this.faults.has(method)) throw this.faults.get(method);
  }

  addAccessKey(awsAccountId: string) {
    const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(30).toString('base64').slice(0, 40);
    this.keys.set(accessKeyId, { secret: secretAccessKey, awsAccountId });
    return { accessKeyId, secretAccessKey };
  }

  /** The role the onboarding template would create, trusting the platform with this External ID. */
  deployRole(roleArn: string, externalId: string) {
    this.roles.set(roleArn, externalId);
  }

  async identify(target: CloudTarget) {
    this.identified.push(target);
    this.failIfFaulted('identify');
    const c = target.credentials;
    if (c.kind === 'access-key') {
      const key = this.keys.get(c.accessKeyId);
      if (!key || key.secret !== c.secretAccessKey) {
        throw new CloudAccessError(
          'INVALID_CREDENTIALS',
          'AWS rejected these access keys (InvalidClientTokenId). Check the key id and secret, and that the key is active.',
          'sts:GetCallerIdentity',
        );
      }
      return { awsAccountId: key.awsAccountId, arn: `arn:aws:iam::${key.awsAccountId}:user/lab` };
    }
    const trusted = this.roles.get(c.roleArn);
    if (trusted === undefined) {
      throw new CloudAccessError(
        'TRUST_POLICY',
        `Could not assume ${c.roleArn}: the role does not exist or does not trust the platform. Deploy the stack, then Verify.`,
        'sts:AssumeRole',
      );
    }
    if (trusted !== c.externalId) {
      throw new CloudAccessError(
        'EXTERNAL_ID_MISMATCH',
        'The role exists but expects another External ID. Deploy the stack with the External ID shown here.',
        'sts:AssumeRole',
      );
    }
    const awsAccountId = c.roleArn.split(':')[4] ?? '';
    return { awsAccountId, arn: `arn:aws:sts::${awsAccountId}:assumed-role/x/spot` };
  }

  async checkPermissions(_target: CloudTarget, actions: readonly string[]): Promise<PermissionCheck[]> {
    this.failIfFaulted('checkPermissions');
    return actions.map((action) =>
      this.denied.has(action)
        ? { action, allowed: false, reason: 'AccessDenied: not authorized' }
        : { action, allowed: true },
    );
  }

  async listRegions(target: CloudTarget) {
    this.failIfFaulted('listRegions');
    return [target.region];
  }
  async describeInstances() {
    return [];
  }
  async describeAutoScalingGroups() {
    return [];
  }
  async listEksClusters() {
    return [];
  }
  async listNodegroups() {
    return [];
  }
  async describeInstanceTypes() {
    return [];
  }
  async spotPriceHistory() {
    return [];
  }
  async onDemandPrices() {
    return {};
  }
  async getMetricData() {
    return [];
  }
  /** Security groups by region, as DescribeSecurityGroups would list them; every call's target is kept. */
  readonly securityGroups = new Map<string, SecurityGroup[]>();
  readonly securityGroupCalls: CloudTarget[] = [];
  async lookupInstanceLaunches() {
    return {};
  }

  async describeSecurityGroups(target: CloudTarget) {
    this.securityGroupCalls.push(target);
    if (this.denied.has('ec2:DescribeSecurityGroups')) {
      throw new CloudAccessError(
        'ACCESS_DENIED',
        'ec2:DescribeSecurityGroups is not allowed.',
        'ec2:DescribeSecurityGroups',
      );
    }
    return structuredClone(this.securityGroups.get(target.region) ?? []);
  }
  async updateAutoScalingGroup(): Promise<void> {
    throw new Error('The connect tests never change capacity');
  }
  async putObject(): Promise<void> {
    throw new Error('The connect tests never write objects');
  }
  async updateNodegroupScaling(): Promise<void> {
    throw new Error('The connect tests never change capacity');
  }
  async terminateInstanceInAutoScalingGroup(): Promise<never> {
    throw new Error('The connect tests never terminate instances');
  }
  async describeScalingActivities(): Promise<never> {
    throw new Error('The connect tests never read scaling activities');
  }
  async updateOnDemandDistribution(): Promise<never> {
    throw new Error('The connect tests never change a distribution');
  }
}

/** Records every execution it is asked to start; `fail` makes the next starts throw. */
export class RecordingWorkflows implements WorkflowPort {
  readonly started: { workflow: WorkflowName; input: Record<string, unknown>; name?: string }[] = [];
  fail = false;
  async startExecution(workflow: WorkflowName, input: Record<string, unknown>, name?: string) {
    if (this.fail) throw new Error('Step Functions is unavailable');
    this.started.push({ workflow, input, name });
    const executionArn = `arn:aws:states:us-east-1:000000000000:execution:discovery:${name ?? randomUUID()}`;
    // As in Step Functions, an execution runs once started: a second sweep racing the first must see the
    // resumption it started as running, not as another cut-off run (the flake of "two sweeps at once").
    this.running.add(executionArn);
    return { executionArn };
  }
  /** ARNs started here or declared still running by a test; every other execution counts as stopped. */
  readonly running = new Set<string>();
  async isExecutionRunning(executionArn: string) {
    return this.running.has(executionArn);
  }
}

export class RecordingScheduler implements SchedulerPort {
  readonly schedules = new Map<string, ScheduleSpec>();
  readonly deleted: string[] = [];
  async upsertSchedule(spec: ScheduleSpec) {
    this.schedules.set(spec.name, spec);
  }
  async deleteSchedule(name: string) {
    this.deleted.push(name);
    this.schedules.delete(name);
  }
}

/** Installs the doubles (after `useLocalServices`, which resets the ports) and the onboarding settings. */
export function installConnectFakes() {
  const fakes = {
    cloud: new FakeCloud(),
    workflows: new RecordingWorkflows(),
    scheduler: new RecordingScheduler(),
    keyService: new LocalKeyService(randomBytes(32)),
  };
  configurePorts(fakes);
  Object.assign(process.env, {
    ONBOARDING_TEMPLATE_URL: 'https://spot-templates.s3.amazonaws.com/onboarding.template.json',
    PLATFORM_PRINCIPAL_ARN: 'arn:aws:iam::111122223333:role/SpotOptimizerPlatform',
  });
  return fakes;
}

/** A fresh random 12-digit AWS account id. */
export const newAwsAccountId = () =>
  String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999)).slice(0, 12);

/** Role setup + a deployed role for it: the body a Verify click sends. */
export async function roleConnectBody(
  cloud: FakeCloud,
  token: string,
  awsAccountId: string,
  region = 'eu-west-1',
) {
  const setup = await call('POST /api/client/accounts/role-setup', { token, body: { awsAccountId, region } });
  if (setup.status !== 201) throw new Error(`role setup failed: ${setup.raw}`);
  const externalId = String(setup.body.externalId);
  const roleArn = String(setup.body.roleArn);
  cloud.deployRole(roleArn, externalId);
  return { method: 'role' as const, awsAccountId, region, roleArn, externalId };
}
