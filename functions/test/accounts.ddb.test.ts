import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db, tableName } from '../src/data/client';
import { accountSecretEntity, accountSecretKey } from '../src/data/entities/account-secret';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { awsAccountClaimEntity, awsAccountClaimKey } from '../src/data/entities/aws-account-claim';
import { cloudAccountEntity, cloudAccountKey } from '../src/data/entities/cloud-account';
import { getItem, queryAll } from '../src/data/repository';
import { verifyChain } from '../src/domain/audit';
import {
  type FakeCloud,
  installConnectFakes,
  newAwsAccountId,
  type RecordingScheduler,
  type RecordingWorkflows,
} from './accounts-connect-fakes';
import { call, signUpAndIn, useLocalServices } from './support/services';

let cloud: FakeCloud;
let workflows: RecordingWorkflows;
let scheduler: RecordingScheduler;

beforeAll(async () => {
  await useLocalServices();
});

beforeEach(() => {
  ({ cloud, workflows, scheduler } = installConnectFakes());
});

/** A signed-in organization with one access-key account connected (the filled placeholder). */
async function connectedOrg(name?: string) {
  const user = await signUpAndIn(name);
  const awsAccountId = newAwsAccountId();
  const keys = cloud.addAccessKey(awsAccountId);
  const res = await call('POST /api/client/accounts/connect', {
    token: user.accessToken,
    body: { method: 'access-key', region: 'eu-central-1', ...keys, name: 'Production' },
  });
  if (res.status !== 200) throw new Error(`connect failed: ${res.raw}`);
  return { ...user, awsAccountId, keys, accountId: String(res.body.id) };
}

const auditOf = (orgId: string) => queryAll(auditRecordEntity, auditRecordsQuery(orgId));

describe('GET /api/client/accounts and /{id}', () => {
  it('lists the contract fields and gets one account', async () => {
    const org = await connectedOrg();
    const list = await call('GET /api/client/accounts', { token: org.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: org.accountId,
        name: 'Production',
        awsAccountIdMasked: `${org.awsAccountId.slice(0, 4)}-****-****`,
        region: 'eu-central-1',
        method: 'access-key',
        status: 'scanning',
        statusReason: null,
      }),
    ]);
    const one = await call('GET /api/client/accounts/{id}', {
      token: org.accessToken,
      path: { id: org.accountId },
    });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(list.body.items?.[0]);
    expect(one.raw).not.toContain(org.awsAccountId);
    const missing = await call('GET /api/client/accounts/{id}', {
      token: org.accessToken,
      path: { id: 'no-such-account' },
    });
    expect(missing.status).toBe(404);
  });
});

describe('PATCH /api/client/accounts/{id} (rename)', () => {
  it('renames with 1-60 characters, trimmed, and audits before and after', async () => {
    const org = await connectedOrg();
    const res = await call('PATCH /api/client/accounts/{id}', {
      token: org.accessToken,
      path: { id: org.accountId },
      body: { name: '  Acme Corp Production  ' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: org.accountId, name: 'Acme Corp Production' });
    for (const [name, message] of [
      ['', /^name: Give the account a name/],
      ['   ', /^name: Give the account a name/],
      ['x'.repeat(61), /^name: Keep the name to 60 characters/],
    ] as const) {
      const bad = await call('PATCH /api/client/accounts/{id}', {
        token: org.accessToken,
        path: { id: org.accountId },
        body: { name },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(message);
    }
    expect(
      (
        await call('PATCH /api/client/accounts/{id}', {
          token: org.accessToken,
          path: { id: org.accountId },
          body: { name: 'x'.repeat(60) },
        })
      ).status,
    ).toBe(200);
    const rename = (await auditOf(org.orgId)).find((r) => r.action === 'account.rename');
    expect(rename).toMatchObject({
      target: `cloud-account/${org.accountId}`,
      accountId: org.accountId,
      outcome: 'success',
      before: { name: 'Production' },
      after: { name: 'Acme Corp Production' },
    });
  });
});

describe('POST /api/client/accounts/{id}/resync', () => {
  it('starts discovery again and sets the status to scanning', async () => {
    const org = await connectedOrg();
    // As if the last discovery had failed.
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: cloudAccountKey(org.orgId, org.accountId),
        UpdateExpression: 'SET #s = :e, statusReason = :r',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':e': 'error', ':r': 'Discovery failed: throttled' },
      }),
    );
    const res = await call('POST /api/client/accounts/{id}/resync', {
      token: org.accessToken,
      path: { id: org.accountId },
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: org.accountId, status: 'scanning', statusReason: null });
    expect(workflows.started.map((s) => s.input)).toEqual([
      { orgId: org.orgId, accountId: org.accountId },
      { orgId: org.orgId, accountId: org.accountId },
    ]);
    const account = await getItem(cloudAccountEntity, cloudAccountKey(org.orgId, org.accountId));
    expect(account?.lastExecutionArn).toContain(String(workflows.started[1]?.name));
    expect((await auditOf(org.orgId)).find((r) => r.action === 'account.resync')).toMatchObject({
      before: { status: 'error' },
      after: { status: 'scanning' },
    });
  });

  it('refuses the sign-up placeholder (nothing to scan yet) with 409', async () => {
    const user = await signUpAndIn();
    const list = await call('GET /api/client/accounts', { token: user.accessToken });
    const res = await call('POST /api/client/accounts/{id}/resync', {
      token: user.accessToken,
      path: { id: String(list.body.items?.[0]?.id) },
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ACCOUNT_NOT_CONNECTED');
    expect(workflows.started).toHaveLength(0);
  });
});

describe('DELETE /api/client/accounts/{id} (disconnect)', () => {
  it('removes the account, the claim and the secret together, stops the schedule, keeps the audit', async () => {
    const org = await connectedOrg();
    // As the discovery workflow does after a run: the account's periodic schedule.
    await scheduler.upsertSchedule({
      name: `discovery-${org.accountId}`,
      expression: 'rate(15 minutes)',
      timeZone: 'UTC',
      target: { workflow: 'discovery', input: { orgId: org.orgId, accountId: org.accountId } },
    });
    const res = await call('DELETE /api/client/accounts/{id}', {
      token: org.accessToken,
      path: { id: org.accountId },
    });
    expect(res.status).toBe(204);
    expect(await getItem(cloudAccountEntity, cloudAccountKey(org.orgId, org.accountId))).toBeUndefined();
    expect(await getItem(awsAccountClaimEntity, awsAccountClaimKey(org.awsAccountId))).toBeUndefined();
    expect(await getItem(accountSecretEntity, accountSecretKey(org.orgId, org.accountId))).toBeUndefined();
    expect(scheduler.deleted).toEqual([`discovery-${org.accountId}`]);
    expect(scheduler.schedules.has(`discovery-${org.accountId}`)).toBe(false);
    const records = await auditOf(org.orgId);
    expect(records.map((r) => r.action)).toEqual(
      expect.arrayContaining(['account.connect', 'account.disconnect']),
    );
    expect(records.find((r) => r.action === 'account.disconnect')).toMatchObject({
      accountId: org.accountId,
      outcome: 'success',
      before: { name: 'Production', method: 'access-key', region: 'eu-central-1' },
    });
    expect(verifyChain(records)).toBeNull();
    const list = await call('GET /api/client/accounts', { token: org.accessToken });
    expect(list.body.items).toEqual([]);
    expect(
      (
        await call('DELETE /api/client/accounts/{id}', {
          token: org.accessToken,
          path: { id: org.accountId },
        })
      ).status,
    ).toBe(404);

    // The AWS account id is free again: another organization that proves access may connect it.
    const other = await signUpAndIn();
    const again = await call('POST /api/client/accounts/connect', {
      token: other.accessToken,
      body: { method: 'access-key', region: 'us-east-1', ...cloud.addAccessKey(org.awsAccountId) },
    });
    expect(again.status).toBe(200);
  });
});

describe('organization isolation', () => {
  it("answers 404 to every route on another organization's account and changes nothing", async () => {
    const a = await connectedOrg('Isolation A');
    const b = await signUpAndIn('Isolation B');
    const path = { id: a.accountId };
    const attempts = [
      await call('GET /api/client/accounts/{id}', { token: b.accessToken, path }),
      await call('PATCH /api/client/accounts/{id}', {
        token: b.accessToken,
        path,
        body: { name: 'Mine now' },
      }),
      await call('POST /api/client/accounts/{id}/resync', { token: b.accessToken, path }),
      await call('DELETE /api/client/accounts/{id}', { token: b.accessToken, path }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
      expect(res.raw).not.toContain('Isolation A');
      expect(res.raw).not.toContain('Production');
      expect(res.raw).not.toContain(a.awsAccountId.slice(0, 4));
    }
    const listB = await call('GET /api/client/accounts', { token: b.accessToken });
    expect(listB.body.items?.map((x) => x.id)).not.toContain(a.accountId);
    const accountA = await getItem(cloudAccountEntity, cloudAccountKey(a.orgId, a.accountId));
    expect(accountA).toMatchObject({ name: 'Production', status: 'scanning' });
    expect(await getItem(awsAccountClaimEntity, awsAccountClaimKey(a.awsAccountId))).toMatchObject({
      orgId: a.orgId,
    });
    expect(workflows.started).toHaveLength(1);
    expect(scheduler.deleted).toEqual([]);
    // B's failed attempts are in B's audit, never in A's.
    expect((await auditOf(a.orgId)).filter((r) => r.actorId === b.userId)).toEqual([]);
    expect((await auditOf(b.orgId)).filter((r) => r.outcome === 'failed').length).toBeGreaterThanOrEqual(3);
  });

  it('refuses every account route without a token', async () => {
    const path = { id: 'x' };
    for (const [route, options] of [
      ['GET /api/client/accounts', {}],
      ['GET /api/client/accounts/{id}', { path }],
      ['PATCH /api/client/accounts/{id}', { path, body: { name: 'x' } }],
      ['DELETE /api/client/accounts/{id}', { path }],
      ['POST /api/client/accounts/{id}/resync', { path }],
      ['POST /api/client/accounts/connect', { body: {} }],
    ] as const) {
      expect((await call(route, options)).status, route).toBe(401);
    }
  });
});
