import { LocalStepFunctions } from '@spot/local/stepfunctions';
import { customerReadActions } from '@spot/shared/model/customer-permissions';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accountSecretEntity, accountSecretKey } from '../src/data/entities/account-secret';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { awsAccountClaimEntity, awsAccountClaimKey } from '../src/data/entities/aws-account-claim';
import { accountsOfOrgQuery, cloudAccountEntity } from '../src/data/entities/cloud-account';
import { roleSetupEntity, roleSetupKey } from '../src/data/entities/role-setup';
import { getItem, queryAll } from '../src/data/repository';
import { cloudTargetOf } from '../src/domain/accounts-connect';
import { configurePorts } from '../src/ports/index';
import {
  type FakeCloud,
  installConnectFakes,
  newAwsAccountId,
  type RecordingWorkflows,
  roleConnectBody,
} from './accounts-connect-fakes';
import { call, signUpAndIn, useLocalServices } from './support/services';

let cloud: FakeCloud;
let workflows: RecordingWorkflows;

beforeAll(async () => {
  await useLocalServices();
});

beforeEach(() => {
  ({ cloud, workflows } = installConnectFakes());
});

describe('POST /api/client/accounts/role-setup', () => {
  it('hands out a fresh UUID v4 External ID, kept with a TTL, and the quick-create link', async () => {
    const user = await signUpAndIn();
    const awsAccountId = newAwsAccountId();
    const res = await call('POST /api/client/accounts/role-setup', {
      token: user.accessToken,
      body: { awsAccountId, region: 'us-west-2' },
    });
    expect(res.status).toBe(201);
    const externalId = String(res.body.externalId);
    expect(externalId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.body.templateUrl).toBe(process.env.ONBOARDING_TEMPLATE_URL);
    const url = new URL(String(res.body.quickCreateUrl));
    expect(`${url.origin}${url.pathname}`).toBe('https://console.aws.amazon.com/cloudformation/home');
    expect(url.searchParams.get('region')).toBe('us-west-2');
    const [route, query] = url.hash.slice(1).split('?');
    expect(route).toBe('/stacks/quickcreate');
    const params = new URLSearchParams(query);
    expect(Object.fromEntries(params)).toEqual({
      templateURL: process.env.ONBOARDING_TEMPLATE_URL,
      stackName: 'SpotOptimizer',
      param_ExternalId: externalId,
      param_PlatformPrincipalArn: process.env.PLATFORM_PRINCIPAL_ARN,
      param_EnableWriteActions: 'false',
    });
    expect(res.body.roleArn).toBe(
      `arn:aws:iam::${awsAccountId}:role/SpotOptimizerReadOnly-${externalId.split('-')[0]}`,
    );
    const item = await getItem(roleSetupEntity, roleSetupKey(user.orgId, externalId));
    expect(item).toMatchObject({ awsAccountId, region: 'us-west-2' });

    const again = await call('POST /api/client/accounts/role-setup', {
      token: user.accessToken,
      body: { awsAccountId, region: 'us-west-2', enableWriteActions: true },
    });
    expect(again.body.externalId).not.toBe(externalId);
    expect(String(again.body.quickCreateUrl)).toContain('param_EnableWriteActions=true');
  });

  it('answers bad input with 400 naming the field', async () => {
    const user = await signUpAndIn();
    const short = await call('POST /api/client/accounts/role-setup', {
      token: user.accessToken,
      body: { awsAccountId: '12345', region: 'us-east-1' },
    });
    expect(short.status).toBe(400);
    expect(short.body.message).toMatch(/^awsAccountId: An AWS account id is exactly 12 digits/);
    const region = await call('POST /api/client/accounts/role-setup', {
      token: user.accessToken,
      body: { awsAccountId: '123456789012', region: 'Frankfurt' },
    });
    expect(region.status).toBe(400);
    expect(region.body.message).toMatch(/^region: /);
    expect((await call('POST /api/client/accounts/role-setup', { body: {} })).status).toBe(401);
  });
});

describe('POST /api/client/accounts/connect with a role', () => {
  it('verifies the role, fills the sign-up placeholder, claims the id and starts discovery', async () => {
    const user = await signUpAndIn();
    const [placeholder] = await queryAll(cloudAccountEntity, accountsOfOrgQuery(user.orgId));
    const awsAccountId = newAwsAccountId();
    const body = await roleConnectBody(cloud, user.accessToken, awsAccountId);
    const res = await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: placeholder?.accountId,
      awsAccountIdMasked: `${awsAccountId.slice(0, 4)}-****-****`,
      region: 'eu-west-1',
      method: 'role',
      status: 'scanning',
      statusReason: null,
    });
    expect(res.raw).not.toContain(body.externalId);
    expect(cloud.identified.at(-1)?.credentials).toEqual({
      kind: 'role',
      roleArn: body.roleArn,
      externalId: body.externalId,
    });

    const accounts = await queryAll(cloudAccountEntity, accountsOfOrgQuery(user.orgId));
    expect(accounts).toHaveLength(1);
    const account = accounts[0];
    expect(account).toMatchObject({ roleArn: body.roleArn, externalId: body.externalId });
    expect(account?.lastExecutionArn).toContain(`sync-${account?.accountId}-`);
    expect(await getItem(awsAccountClaimEntity, awsAccountClaimKey(awsAccountId))).toMatchObject({
      orgId: user.orgId,
      accountId: account?.accountId,
    });
    // No long-lived credential for a role; the External ID is consumed.
    expect(await getItem(accountSecretEntity, accountSecretKey(user.orgId, String(account?.accountId)))).toBe(
      undefined,
    );
    expect(await getItem(roleSetupEntity, roleSetupKey(user.orgId, body.externalId))).toBeUndefined();
    expect(workflows.started).toEqual([
      {
        workflow: 'discovery',
        input: { orgId: user.orgId, accountId: account?.accountId },
        name: expect.stringMatching(/^sync-/),
      },
    ]);
    expect(await cloudTargetOf(user.orgId, String(account?.accountId))).toEqual({
      region: 'eu-west-1',
      credentials: { kind: 'role', roleArn: body.roleArn, externalId: body.externalId },
    });

    const records = await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId));
    const connectRecord = records.find((r) => r.action === 'account.connect');
    expect(connectRecord).toMatchObject({
      target: `cloud-account/${account?.accountId}`,
      accountId: account?.accountId,
      outcome: 'success',
      before: { status: 'pending', awsAccountIdMasked: null },
      after: { status: 'scanning', method: 'role', roleName: body.roleArn.split('/').pop() },
    });
    expect(JSON.stringify(records)).not.toContain(body.externalId);

    // The same External ID cannot connect twice.
    const replay = await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
    expect(replay.status).toBe(400);
    expect(replay.body.message).toMatch(/^externalId: /);
  });

  it('adds a row for a second AWS account, keeping the first', async () => {
    const user = await signUpAndIn();
    const connect = async () =>
      call('POST /api/client/accounts/connect', {
        token: user.accessToken,
        body: await roleConnectBody(cloud, user.accessToken, newAwsAccountId()),
      });
    const first = await connect();
    const second = await connect();
    // The placeholder is filled (200), the next account is a new row (201).
    expect([first.status, second.status]).toEqual([200, 201]);
    expect(second.body.id).not.toBe(first.body.id);
    const list = await call('GET /api/client/accounts', { token: user.accessToken });
    expect(list.body.items?.map((a) => [a.id, a.status])).toEqual([
      [first.body.id, 'scanning'],
      [second.body.id, 'scanning'],
    ]);
  });

  it('refuses an External ID this organization did not get, or got for another account id', async () => {
    const owner = await signUpAndIn();
    const intruder = await signUpAndIn();
    const awsAccountId = newAwsAccountId();
    const body = await roleConnectBody(cloud, owner.accessToken, awsAccountId);
    const foreign = await call('POST /api/client/accounts/connect', { token: intruder.accessToken, body });
    expect(foreign.status).toBe(400);
    expect(foreign.body.message).toMatch(/^externalId: This External ID was not issued to your organization/);

    const otherId = newAwsAccountId();
    const wrongAccount = await call('POST /api/client/accounts/connect', {
      token: owner.accessToken,
      body: { ...body, awsAccountId: otherId, roleArn: body.roleArn.replace(awsAccountId, otherId) },
    });
    expect(wrongAccount.status).toBe(400);
    expect(wrongAccount.body.message).toMatch(/^awsAccountId: This External ID was issued for AWS account/);

    const arnElsewhere = await call('POST /api/client/accounts/connect', {
      token: owner.accessToken,
      body: { ...body, roleArn: body.roleArn.replace(awsAccountId, otherId) },
    });
    expect(arnElsewhere.status).toBe(400);
    expect(arnElsewhere.body.message).toMatch(/^roleArn: The role must be in AWS account/);

    const notOurs = await call('POST /api/client/accounts/connect', {
      token: owner.accessToken,
      body: { ...body, roleArn: `arn:aws:iam::${awsAccountId}:role/Admin` },
    });
    expect(notOurs.status).toBe(400);
    expect(notOurs.body.message).toMatch(/^roleArn: The role name must start with SpotOptimizer/);
    expect(workflows.started).toHaveLength(0);
  });

  it('names the trust problem and each missing permission (422)', async () => {
    const user = await signUpAndIn();
    const awsAccountId = newAwsAccountId();
    const setup = await call('POST /api/client/accounts/role-setup', {
      token: user.accessToken,
      body: { awsAccountId, region: 'us-east-1' },
    });
    const body = {
      method: 'role',
      awsAccountId,
      region: 'us-east-1',
      roleArn: String(setup.body.roleArn),
      externalId: String(setup.body.externalId),
    };
    const notDeployed = await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
    expect(notDeployed.status).toBe(422);
    expect(notDeployed.body).toMatchObject({ code: 'CLOUD_TRUST_POLICY' });
    expect(notDeployed.body.message).toMatch(/does not trust the platform/);

    cloud.deployRole(body.roleArn, body.externalId);
    cloud.denied.add('ec2:DescribeInstances');
    cloud.denied.add('eks:ListClusters');
    const denied = await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
    expect(denied.status).toBe(422);
    expect(denied.body).toMatchObject({
      code: 'CLOUD_ACCESS_DENIED',
      details: { action: 'ec2:DescribeInstances' },
    });
    expect(denied.body.message).toContain('ec2:DescribeInstances (AccessDenied: not authorized)');
    expect(denied.body.message).toContain('eks:ListClusters');
    // Nothing was written: the placeholder is still pending, the id is unclaimed, the External ID usable.
    const list = await call('GET /api/client/accounts', { token: user.accessToken });
    expect(list.body.items).toMatchObject([{ status: 'pending', awsAccountIdMasked: null }]);
    expect(await getItem(awsAccountClaimEntity, awsAccountClaimKey(awsAccountId))).toBeUndefined();

    cloud.denied.clear();
    const ok = await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
    expect(ok.status).toBe(200);
  });

  it('asks for every required read action of the onboarding template', async () => {
    const user = await signUpAndIn();
    const asked: string[][] = [];
    const original = cloud.checkPermissions.bind(cloud);
    cloud.checkPermissions = async (target, actions) => {
      asked.push([...actions]);
      return original(target, actions);
    };
    const body = await roleConnectBody(cloud, user.accessToken, newAwsAccountId());
    await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
    expect(asked).toEqual([customerReadActions.filter((a) => !a.optional).map((a) => a.action)]);
  });

  it('connects a role that lacks only an optional action (granted by a newer template than its stack)', async () => {
    const optional = customerReadActions.filter((a) => a.optional).map((a) => a.action);
    expect(optional).toContain('cloudtrail:LookupEvents');
    const user = await signUpAndIn();
    for (const action of optional) cloud.denied.add(action);
    try {
      const body = await roleConnectBody(cloud, user.accessToken, newAwsAccountId());
      const res = await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
      expect(res.status, res.raw).toBe(200);
    } finally {
      cloud.denied.clear();
    }
  });
});

describe('POST /api/client/accounts/connect with access keys', () => {
  it('checks the keys, stores only the encrypted secret with its key id, and starts discovery', async () => {
    const user = await signUpAndIn();
    const awsAccountId = newAwsAccountId();
    const keys = cloud.addAccessKey(awsAccountId);
    const res = await call('POST /api/client/accounts/connect', {
      token: user.accessToken,
      body: { method: 'access-key', region: 'us-east-1', ...keys, name: 'Dev lab' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Dev lab', method: 'access-key', status: 'scanning' });
    expect(res.raw).not.toContain(keys.secretAccessKey);
    const accountId = String(res.body.id);
    const secret = await getItem(accountSecretEntity, accountSecretKey(user.orgId, accountId));
    expect(secret?.accessKeyId).toBe(keys.accessKeyId);
    expect(secret?.keyId).toMatch(/^local:/);
    expect(JSON.stringify(secret)).not.toContain(keys.secretAccessKey);
    // Discovery gets the secret back through the envelope, bound to this organization and account.
    expect(await cloudTargetOf(user.orgId, accountId)).toEqual({
      region: 'us-east-1',
      credentials: { kind: 'access-key', ...keys },
    });
    expect(workflows.started).toHaveLength(1);
  });

  it('refuses keys of another account than the one entered (422 ACCOUNT_MISMATCH) and bad keys (422)', async () => {
    const user = await signUpAndIn();
    const keys = cloud.addAccessKey(newAwsAccountId());
    const mismatch = await call('POST /api/client/accounts/connect', {
      token: user.accessToken,
      body: { method: 'access-key', region: 'us-east-1', ...keys, awsAccountId: newAwsAccountId() },
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.code).toBe('CLOUD_ACCOUNT_MISMATCH');
    const wrongSecret = await call('POST /api/client/accounts/connect', {
      token: user.accessToken,
      body: {
        method: 'access-key',
        region: 'us-east-1',
        accessKeyId: keys.accessKeyId,
        secretAccessKey: 'x'.repeat(40),
      },
    });
    expect(wrongSecret.status).toBe(422);
    expect(wrongSecret.body.code).toBe('CLOUD_INVALID_CREDENTIALS');
    expect(workflows.started).toHaveLength(0);
  });

  it('validates every field with a message naming it (400)', async () => {
    const user = await signUpAndIn();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ method: 'magic' }, /^method: /],
      [
        { method: 'access-key', region: 'us-east-1', accessKeyId: 'akia', secretAccessKey: 'x'.repeat(40) },
        /^accessKeyId: An access key id is 20 capital letters/,
      ],
      [
        {
          method: 'access-key',
          region: 'us-east-1',
          accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
          secretAccessKey: 'x'.repeat(40),
        },
        /^accessKeyId: Temporary/,
      ],
      [
        {
          method: 'access-key',
          region: 'us-east-1',
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          secretAccessKey: 'short',
        },
        /^secretAccessKey: A secret access key is 40 characters/,
      ],
      [
        {
          method: 'role',
          awsAccountId: '123456789012',
          region: 'us-east-1',
          roleArn: 'not-an-arn',
          externalId: '3f2b9c1e-7a4d-4e2b-9c1e-7a4d4e2b9c1e',
        },
        /^roleArn: A role ARN looks like/,
      ],
      [
        {
          method: 'role',
          awsAccountId: '123456789012',
          region: 'us-east-1',
          roleArn: 'arn:aws:iam::123456789012:role/SpotOptimizerReadOnly-3f2b9c1e',
          externalId: 'guessable',
        },
        /^externalId: /,
      ],
      [
        {
          method: 'access-key',
          region: 'us-east-1',
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          secretAccessKey: 'x'.repeat(40),
          name: 'n'.repeat(61),
        },
        /^name: Keep the name to 60 characters/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toMatch(message);
    }
    expect(cloud.identified).toHaveLength(0);
  });
});

describe('one AWS account, one organization', () => {
  it('refuses an id claimed by another organization with 409, without naming it', async () => {
    const first = await signUpAndIn('Claimant Holdings');
    const second = await signUpAndIn();
    const awsAccountId = newAwsAccountId();
    expect(
      (
        await call('POST /api/client/accounts/connect', {
          token: first.accessToken,
          body: { method: 'access-key', region: 'us-east-1', ...cloud.addAccessKey(awsAccountId) },
        })
      ).status,
    ).toBe(200);
    const keys = await call('POST /api/client/accounts/connect', {
      token: second.accessToken,
      body: { method: 'access-key', region: 'us-east-1', ...cloud.addAccessKey(awsAccountId) },
    });
    const role = await call('POST /api/client/accounts/connect', {
      token: second.accessToken,
      body: await roleConnectBody(cloud, second.accessToken, awsAccountId),
    });
    for (const res of [keys, role]) {
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('AWS_ACCOUNT_CLAIMED');
      expect(res.raw).not.toContain('Claimant');
      expect(res.raw).not.toContain(first.orgId);
    }
    const list = await call('GET /api/client/accounts', { token: second.accessToken });
    expect(list.body.items).toMatchObject([{ status: 'pending' }]);
  });

  it('lets exactly one of 20 organizations claiming one id at once through', async () => {
    const users = [];
    for (let i = 0; i < 20; i++) users.push(await signUpAndIn(`Racer ${i}`));
    const awsAccountId = newAwsAccountId();
    const results = await Promise.all(
      users.map((u) =>
        call('POST /api/client/accounts/connect', {
          token: u.accessToken,
          body: { method: 'access-key', region: 'us-east-1', ...cloud.addAccessKey(awsAccountId) },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 200 && s < 300)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const winner = users[statuses.findIndex((s) => s < 300)];
    const claim = await getItem(awsAccountClaimEntity, awsAccountClaimKey(awsAccountId), true);
    expect(claim?.orgId).toBe(winner?.orgId);
    // The losers' placeholders are untouched and no loser kept a secret.
    for (const u of users.filter((x) => x !== winner)) {
      const accounts = await queryAll(cloudAccountEntity, accountsOfOrgQuery(u.orgId));
      expect(accounts.map((a) => a.awsAccountId)).toEqual([null]);
      expect(
        await getItem(accountSecretEntity, accountSecretKey(u.orgId, String(accounts[0]?.accountId))),
      ).toBeUndefined();
    }
    expect(workflows.started).toHaveLength(1);
  }, 120_000);

  it('reconnecting an id the organization already has updates that row (new keys, then a role)', async () => {
    const user = await signUpAndIn();
    const awsAccountId = newAwsAccountId();
    const first = await call('POST /api/client/accounts/connect', {
      token: user.accessToken,
      body: { method: 'access-key', region: 'us-east-1', ...cloud.addAccessKey(awsAccountId), name: 'Lab' },
    });
    const rotated = cloud.addAccessKey(awsAccountId);
    const again = await call('POST /api/client/accounts/connect', {
      token: user.accessToken,
      body: { method: 'access-key', region: 'us-east-1', ...rotated },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, name: 'Lab' });
    const accountId = String(first.body.id);
    expect((await getItem(accountSecretEntity, accountSecretKey(user.orgId, accountId)))?.accessKeyId).toBe(
      rotated.accessKeyId,
    );
    const role = await call('POST /api/client/accounts/connect', {
      token: user.accessToken,
      body: await roleConnectBody(cloud, user.accessToken, awsAccountId),
    });
    expect(role.body).toMatchObject({ id: accountId, method: 'role' });
    // Switching to a role removes the stored key.
    expect(await getItem(accountSecretEntity, accountSecretKey(user.orgId, accountId))).toBeUndefined();
    expect(await queryAll(cloudAccountEntity, accountsOfOrgQuery(user.orgId))).toHaveLength(1);
  });
});

describe('discovery start', () => {
  it('marks the account error with a reason when the workflow cannot start', async () => {
    const user = await signUpAndIn();
    workflows.fail = true;
    const res = await call('POST /api/client/accounts/connect', {
      token: user.accessToken,
      body: { method: 'access-key', region: 'us-east-1', ...cloud.addAccessKey(newAwsAccountId()) },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'error',
      statusReason: 'Discovery could not be started. Use Re-Sync to try again.',
    });
  });

  it('runs the real discovery state machine until the account reaches a final status', async () => {
    const stepFunctions = new LocalStepFunctions({ retryIntervalMs: 10, waitTimeMs: 10 });
    configurePorts({ workflows: stepFunctions });
    const user = await signUpAndIn();
    const res = await call('POST /api/client/accounts/connect', {
      token: user.accessToken,
      body: { method: 'access-key', region: 'us-east-1', ...cloud.addAccessKey(newAwsAccountId()) },
    });
    expect(res.body.status).toBe('scanning');
    const [execution] = stepFunctions.listExecutions({ workflow: 'discovery' });
    expect(execution?.input).toEqual({ orgId: user.orgId, accountId: res.body.id });
    const finished = await stepFunctions.waitForExecution(String(execution?.executionArn));
    const after = await call('GET /api/client/accounts/{id}', {
      token: user.accessToken,
      path: { id: String(res.body.id) },
    });
    expect(['active', 'error']).toContain(after.body.status);
    expect(after.body.status).toBe(finished.status === 'SUCCEEDED' ? 'active' : 'error');
    if (after.body.status === 'error') expect(after.body.statusReason).toMatch(/\S/);
  }, 60_000);
});
