import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../../src/data/entities/audit-record';
import { cloudAccountEntity, cloudAccountKey } from '../../src/data/entities/cloud-account';
import { getItem, queryAll, updateItem } from '../../src/data/repository';
import { interruptedTwiceReason, resumeInterruptedDiscoveries } from '../../src/domain/discovery/resume';
import {
  type FakeCloud,
  installConnectFakes,
  newAwsAccountId,
  type RecordingWorkflows,
  roleConnectBody,
} from '../accounts-connect-fakes';
import { call, signUpAndIn, useLocalServices } from '../support/services';

/**
 * Hardening, faults: a discovery whose runner died (the local stack killed, or the workflow's own failure
 * handler failing) leaves its account `scanning` with no run behind it. The sweep ends each such account
 * in a final state with a reason, and never starts one twice. (local/test/restart.ddb.test.ts kills a
 * real stack with SIGKILL; these cases pin the sweep's decisions.)
 */
let cloud: FakeCloud;
let workflows: RecordingWorkflows;
let user: Awaited<ReturnType<typeof signUpAndIn>>;
let accountId: string;
const now = new Date('2026-12-05T10:00:00Z');

beforeAll(async () => {
  await useLocalServices();
  ({ cloud, workflows } = installConnectFakes());
  user = await signUpAndIn('Restart faults');
  const body = await roleConnectBody(cloud, user.accessToken, newAwsAccountId());
  const res = await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
  // The organization's placeholder account is the one connected.
  expect(res.status, res.raw).toBe(200);
  accountId = String(res.body.id);
});

const stored = async () => {
  const account = await getItem(cloudAccountEntity, cloudAccountKey(user.orgId, accountId), true);
  if (!account) throw new Error('the account is gone');
  return account;
};

/** The account as a killed run leaves it: `scanning`, its last execution `name`. */
async function interrupted(name: string) {
  const arn = `arn:aws:states:us-east-1:000000000000:execution:discovery:${name}`;
  await updateItem(cloudAccountKey(user.orgId, accountId), {
    set: { status: 'scanning', statusReason: null, lastExecutionArn: arn, updatedAt: now.toISOString() },
  });
  return arn;
}

beforeEach(() => {
  workflows.started.length = 0;
  workflows.running.clear();
  workflows.fail = false;
});

describe('resumeInterruptedDiscoveries', () => {
  it('leaves an account whose discovery still runs alone', async () => {
    workflows.running.add(await interrupted(`sync-${accountId}-1`));
    const later = new Date(now.getTime() + 60_000);
    expect(await resumeInterruptedDiscoveries(later)).toEqual([
      { orgId: user.orgId, accountId, outcome: 'running' },
    ]);
    expect(workflows.started).toEqual([]);
    expect((await stored()).status).toBe('scanning');
  });

  it('starts a cut-off discovery again once, and audits it', async () => {
    await interrupted(`sync-${accountId}-2`);
    const later = new Date(now.getTime() + 120_000);
    const results = await resumeInterruptedDiscoveries(later);
    expect(results).toEqual([{ orgId: user.orgId, accountId, outcome: 'resumed' }]);
    expect(workflows.started).toEqual([
      {
        workflow: 'discovery',
        input: { orgId: user.orgId, accountId },
        name: `resume-${accountId}-${later.getTime()}`,
      },
    ]);
    const account = await stored();
    expect(account.status).toBe('scanning');
    expect(account.lastExecutionArn).toMatch(/:resume-/);
    const audit = await queryAll(auditRecordEntity, auditRecordsQuery(user.orgId));
    expect(audit.find((r) => r.action === 'discovery.resumed')).toMatchObject({
      actorType: 'system',
      target: `cloud-account/${accountId}`,
      outcome: 'success',
      before: { execution: `sync-${accountId}-2` },
    });
  });

  it('two sweeps at once resume the account once', async () => {
    await interrupted(`sync-${accountId}-3`);
    const [x, y] = await Promise.all([
      resumeInterruptedDiscoveries(new Date(now.getTime() + 180_000)),
      resumeInterruptedDiscoveries(new Date(now.getTime() + 180_001)),
    ]);
    const outcomes = [...x, ...y].map((r) => r.outcome).sort();
    expect(outcomes).toEqual(['resumed', 'running']);
    expect(workflows.started).toHaveLength(1);
  });

  it('leaves a run another sweep has just claimed alone, and takes it over once that claim is stale', async () => {
    const arn = await interrupted(`sync-${accountId}-6`);
    // What a sweep that died (or is slow) between its claim and its start leaves behind.
    await updateItem(cloudAccountKey(user.orgId, accountId), {
      set: { resumingFrom: arn, updatedAt: now.toISOString() },
    });
    const soon = new Date(now.getTime() + 30_000);
    expect(await resumeInterruptedDiscoveries(soon)).toEqual([
      { orgId: user.orgId, accountId, outcome: 'running' },
    ]);
    expect(workflows.started).toEqual([]);
    const stale = new Date(now.getTime() + 10 * 60_000);
    expect(await resumeInterruptedDiscoveries(stale)).toEqual([
      { orgId: user.orgId, accountId, outcome: 'resumed' },
    ]);
    expect(workflows.started).toHaveLength(1);
  });

  it('ends a resumption that was cut off too in `error` with a reason, without a third attempt', async () => {
    await interrupted(`resume-${accountId}-4`);
    const results = await resumeInterruptedDiscoveries(new Date(now.getTime() + 240_000));
    expect(results).toEqual([{ orgId: user.orgId, accountId, outcome: 'failed' }]);
    expect(workflows.started).toEqual([]);
    expect(await stored()).toMatchObject({ status: 'error', statusReason: interruptedTwiceReason });
    const listed = await call('GET /api/client/accounts', { token: user.accessToken });
    expect(listed.body.items).toMatchObject([{ status: 'error', statusReason: interruptedTwiceReason }]);
  });

  it('ends the account in `error` with a reason when the workflow cannot be started', async () => {
    await interrupted(`sync-${accountId}-5`);
    workflows.fail = true;
    const results = await resumeInterruptedDiscoveries(new Date(now.getTime() + 300_000));
    expect(results).toEqual([{ orgId: user.orgId, accountId, outcome: 'failed' }]);
    expect(await stored()).toMatchObject({
      status: 'error',
      statusReason: 'Discovery could not be started. Use Re-Sync to try again.',
    });
  });

  it('leaves settled accounts alone', async () => {
    await updateItem(cloudAccountKey(user.orgId, accountId), { set: { status: 'active' } });
    expect(await resumeInterruptedDiscoveries(new Date(now.getTime() + 360_000))).toEqual([]);
    expect(workflows.started).toEqual([]);
  });
});
