import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetDbClientForTests } from '../../src/data/client';
import { awsAccountClaimEntity } from '../../src/data/entities/aws-account-claim';
import { cloudAccountEntity } from '../../src/data/entities/cloud-account';
import { putItem } from '../../src/data/repository';
import { routes } from '../../src/routes';
import { installConnectFakes } from '../accounts-connect-fakes';
import { seedCluster } from '../clusters-support';
import { fixtureSnapshot } from '../fixtures/k8s/snapshot';
import { type ApiResponse, call, signUpAndIn, strongPassword, useLocalServices } from '../support/services';
import { armDynamoFault, disarmDynamoFault, tableDiff, tableItems, writeCommands } from './ddb-faults';

/**
 * Fault: DynamoDB throttling. The fault is injected below the SDK's retry middleware, so the SDK backs off
 * and retries as it would against a throttling table; what is left after its attempts must reach the
 * caller as a 503 SERVICE_BUSY (never a 500), and a request that answers 503 must have written nothing.
 */
type User = Awaited<ReturnType<typeof signUpAndIn>>;
let tableName: string;
let user: User;
let agentToken: string;

beforeAll(async () => {
  // Two attempts per call instead of the SDK's default three: the same retry path, half the backoff time.
  process.env.AWS_MAX_ATTEMPTS = '2';
  ({ tableName } = await useLocalServices());
  installConnectFakes();
  user = await signUpAndIn('Throttled');
  const cluster = await seedCluster(user.orgId, { name: 'prod' });
  const issued = await call('POST /api/client/clusters/{id}/agent-token', {
    token: user.accessToken,
    path: { id: cluster.clusterId },
  });
  agentToken = String(issued.body.token);
});

afterEach(() => disarmDynamoFault());

const expectBusy = (res: ApiResponse) => {
  expect(res.status, res.raw).toBe(503);
  expect(res.body.code).toBe('SERVICE_BUSY');
  expect(res.body.message).toBe('The service is busy; try again in a few seconds.');
  expect(res.raw).not.toMatch(/Throttling|Exception|DynamoDB|stack/i);
};

describe('a table that throttles every call', () => {
  it('answers 503 SERVICE_BUSY on every route that reads it, after the SDK retried', async () => {
    const checked: string[] = [];
    for (const route of routes) {
      if (route.auth === 'public') continue;
      const path = Object.fromEntries(
        [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1] as string, randomUUID()]),
      );
      // A fresh client per route, as a cold Lambda has: the SDK's retry quota (500 tokens, 5 per retried
      // 5xx) is shared by one client, and 60-odd routes failing in a row would drain it, so the later
      // routes would be answered without a retry (what this test checks happens) for a reason of its own.
      resetDbClientForTests();
      // Transient 5xx retries with a 100 ms base instead of throttling's 500 ms: the same mapping, faster.
      const log = armDynamoFault({ when: () => true, errorName: 'InternalServerError' });
      const res = await call(`${route.method} ${route.path}`, {
        token: route.auth === 'agent' ? agentToken : user.accessToken,
        path,
        ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { body: {} } : {}),
      });
      disarmDynamoFault();
      expectBusy(res);
      // The SDK retried (2 attempts per call) before the error reached the handler.
      expect(log.attempts).toBeGreaterThanOrEqual(2 * log.calls.length);
      checked.push(route.path);
    }
    expect(checked.length).toBe(routes.filter((r) => r.auth !== 'public').length);
  });

  it('answers 503 to sign-up, and the same sign-up succeeds once the table recovers', async () => {
    const email = `busy-${randomUUID().slice(0, 8)}@example.com`;
    const password = strongPassword();
    const body = { organizationName: 'Busy', email, password };
    const before = await tableItems(tableName);
    armDynamoFault({ when: ({ commandName }) => commandName === 'TransactWriteItemsCommand' });
    expectBusy(await call('POST /api/auth/signup', { body }));
    disarmDynamoFault();
    // No organization, profile or placeholder, and the email reservation was given back...
    expect(tableDiff(before, await tableItems(tableName))).toEqual([]);
    // ...and the directory user was removed: the same email and password sign up at once.
    expect((await call('POST /api/auth/signup', { body })).status).toBe(201);
  });
});

/**
 * Each mutation, with the table throttling at exactly one of its calls (every call in turn): the answer
 * is a success or a 503, and after a 503 the table holds what it held before (audit records aside: a
 * failed request is audited as failed).
 */
interface Mutation {
  name: string;
  /** Runs before each send, outside the fault (fresh items for a mutation that consumes them). */
  prepare?: () => Promise<void>;
  send: () => Promise<ApiResponse>;
  okStatus: number;
}

async function faultEachStep(mutation: Mutation) {
  // A clean run tells how many DynamoDB calls the request makes.
  await mutation.prepare?.();
  const clean = armDynamoFault({ when: () => false });
  const ok = await mutation.send();
  disarmDynamoFault();
  expect(ok.status, ok.raw).toBe(mutation.okStatus);
  const steps = clean.calls.length;
  const outcomes: { step: number; command: string; status: number }[] = [];
  for (let step = 1; step <= steps; step++) {
    await mutation.prepare?.();
    const before = await tableItems(tableName);
    const log = armDynamoFault({
      when: ({ n }) => n === step,
      // All three are "busy"; a throttling backoff starts at 500 ms, a 5xx one at 100 ms (a faster run).
      errorName:
        ['ThrottlingException', 'ProvisionedThroughputExceededException'][step - 1] ?? 'InternalServerError',
    });
    const res = await mutation.send();
    disarmDynamoFault();
    const command = log.calls.find((c) => c.failed)?.commandName ?? 'none';
    outcomes.push({ step, command, status: res.status });
    expect([mutation.okStatus, 503], `${mutation.name} step ${step} (${command}): ${res.raw}`).toContain(
      res.status,
    );
    if (res.status === 503) {
      expectBusy(res);
      expect(tableDiff(before, await tableItems(tableName)), `${mutation.name} step ${step}`).toEqual([]);
    }
  }
  // Some step must be a write that fails the request: the fault really reached the request's writes.
  expect(
    outcomes.some((o) => o.status === 503 && (writeCommands as readonly string[]).includes(o.command)),
    JSON.stringify(outcomes),
  ).toBe(true);
  return outcomes;
}

describe('a table that throttles one call of a mutation', () => {
  it('renaming an account: 503 leaves the old name', async () => {
    const accounts = await call('GET /api/client/accounts', { token: user.accessToken });
    const id = String(accounts.body.items?.[0]?.id);
    await faultEachStep({
      name: 'rename',
      okStatus: 200,
      send: () =>
        call('PATCH /api/client/accounts/{id}', {
          token: user.accessToken,
          path: { id },
          body: { name: `Renamed ${randomUUID().slice(0, 4)}` },
        }),
    });
  });

  it('issuing an agent token: 503 leaves the previous token the only valid one', async () => {
    const cluster = await seedCluster(user.orgId, { name: `c-${randomUUID().slice(0, 4)}` });
    await faultEachStep({
      name: 'agent-token',
      okStatus: 201,
      send: () =>
        call('POST /api/client/clusters/{id}/agent-token', {
          token: user.accessToken,
          path: { id: cluster.clusterId },
        }),
    });
  });

  it('creating a role setup: 503 leaves no External ID behind', async () => {
    await faultEachStep({
      name: 'role-setup',
      okStatus: 201,
      send: () =>
        call('POST /api/client/accounts/role-setup', {
          token: user.accessToken,
          body: { awsAccountId: '123456789012', region: 'eu-west-1' },
        }),
    });
  });

  it('disconnecting an account: 503 leaves the account, its claim and its key', async () => {
    let accountId = '';
    await faultEachStep({
      name: 'disconnect',
      okStatus: 204,
      // A connected account (row and AWS account claim), seeded for each attempt.
      prepare: async () => {
        accountId = randomUUID();
        const awsAccountId = `${100000000000 + Math.floor(Math.random() * 8e11)}`;
        const nowIso = new Date().toISOString();
        await putItem(cloudAccountEntity, {
          orgId: user.orgId,
          accountId,
          name: 'Seeded',
          awsAccountId,
          region: 'eu-central-1',
          method: 'access-key',
          status: 'active',
          statusReason: null,
          roleArn: null,
          externalId: null,
          createdAt: nowIso,
          updatedAt: nowIso,
          lastDiscoveryAt: null,
          lastExecutionArn: null,
        });
        await putItem(awsAccountClaimEntity, {
          awsAccountId,
          orgId: user.orgId,
          accountId,
          claimedAt: nowIso,
        });
      },
      send: () =>
        call('DELETE /api/client/accounts/{id}', { token: user.accessToken, path: { id: accountId } }),
    });
  });

  it('recording an agent heartbeat: 503 leaves the cluster as it was', async () => {
    await faultEachStep({
      name: 'heartbeat',
      okStatus: 200,
      send: () =>
        call('POST /api/ingest/snapshots', {
          token: agentToken,
          body: { kind: 'heartbeat', agentVersion: '0.1.0' },
        }),
    });
  });

  it('ingesting a snapshot: a 503 at any step, and the agent sending it again is accepted', async () => {
    const snapshot = await fixtureSnapshot({ clusterName: 'prod', now: new Date() });
    const send = () =>
      call('POST /api/ingest/snapshots', {
        token: agentToken,
        body: { kind: 'snapshot', agentVersion: '0.1.0', snapshot },
      });
    const clean = armDynamoFault({ when: () => false });
    expect((await send()).status).toBe(202);
    disarmDynamoFault();
    let busy = 0;
    // The first and the last write of the request (a snapshot makes a few dozen calls).
    const writes = clean.calls.filter(
      (c) => !c.rateLimit && (writeCommands as readonly string[]).includes(c.commandName),
    );
    for (const step of [writes[0]?.n, writes.at(-1)?.n]) {
      armDynamoFault({ when: ({ n }) => n === step, errorName: 'InternalServerError' });
      const res = await send();
      disarmDynamoFault();
      if (res.status === 503) busy++;
      else expect(res.status, `step ${step}: ${res.raw}`).toBe(202);
      // The snapshot is applied idempotently: the agent's next send (its retry) succeeds.
      expect((await send()).status).toBe(202);
    }
    expect(busy).toBeGreaterThan(0);
  });
});
