import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accountSecretEntity, accountSecretKey } from '../../src/data/entities/account-secret';
import { awsAccountClaimEntity, awsAccountClaimKey } from '../../src/data/entities/aws-account-claim';
import { accountsOfOrgQuery, cloudAccountEntity } from '../../src/data/entities/cloud-account';
import { clusterEntity, clusterKey } from '../../src/data/entities/cluster';
import { getItem, queryAll } from '../../src/data/repository';
import {
  type FakeCloud,
  installConnectFakes,
  newAwsAccountId,
  roleConnectBody,
} from '../accounts-connect-fakes';
import { seedCluster } from '../clusters-support';
import { type ApiResponse, call, signUpAndIn, useLocalServices } from '../support/services';
import { armDynamoFault, disarmDynamoFault, tableItems } from './ddb-faults';

/**
 * Fault: conditional-check races. Requests that race for the same item are decided by DynamoDB
 * conditions in one transaction: exactly one wins, the others get a 4xx that says what happened, and
 * no race leaves two claims, two rows for one AWS account, or two valid agent tokens.
 */
let tableName: string;
let cloud: FakeCloud;

beforeAll(async () => {
  ({ tableName } = await useLocalServices());
});
beforeEach(() => {
  ({ cloud } = installConnectFakes());
});
afterEach(() => disarmDynamoFault());

const connect = (token: string, body: unknown) => call('POST /api/client/accounts/connect', { token, body });
const ok = (r: ApiResponse) => r.status === 200 || r.status === 201;
const keysBody = (awsAccountId: string) => ({
  method: 'access-key',
  region: 'us-east-1',
  ...cloud.addAccessKey(awsAccountId),
});

describe('Cloud Connect races', () => {
  it('three organizations connecting one AWS account at once (keys and a role): one winner, two 409s', async () => {
    const users = [await signUpAndIn('Race A'), await signUpAndIn('Race B'), await signUpAndIn('Race C')];
    const awsAccountId = newAwsAccountId();
    const bodies = [
      keysBody(awsAccountId),
      await roleConnectBody(cloud, users[1]?.accessToken ?? '', awsAccountId),
      keysBody(awsAccountId),
    ];
    const results = await Promise.all(users.map((u, i) => connect(u.accessToken, bodies[i])));
    expect(results.filter(ok), JSON.stringify(results.map((r) => r.raw))).toHaveLength(1);
    const losers = results.filter((r) => !ok(r));
    for (const r of losers) {
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('AWS_ACCOUNT_CLAIMED');
      expect(r.body.message).toMatch(/already connected to another Spot Optimizer organization/);
    }
    const winner = users[results.findIndex(ok)];
    expect((await getItem(awsAccountClaimEntity, awsAccountClaimKey(awsAccountId)))?.orgId).toBe(
      winner?.orgId,
    );
    for (const u of users.filter((x) => x !== winner)) {
      const accounts = await queryAll(cloudAccountEntity, accountsOfOrgQuery(u.orgId));
      expect(accounts.map((a) => a.awsAccountId)).toEqual([null]);
      expect(
        await getItem(accountSecretEntity, accountSecretKey(u.orgId, String(accounts[0]?.accountId))),
      ).toBe(undefined);
    }
  });

  it('one organization connecting one AWS account three times at once: one row, one claim, one key', async () => {
    const user = await signUpAndIn('Same org');
    const awsAccountId = newAwsAccountId();
    const bodies = [keysBody(awsAccountId), keysBody(awsAccountId), keysBody(awsAccountId)];
    const results = await Promise.all(bodies.map((b) => connect(user.accessToken, b)));
    for (const r of results) {
      expect([200, 201, 409], r.raw).toContain(r.status);
      if (r.status === 409) expect(r.body.code).toBe('CONNECT_BUSY');
    }
    expect(results.some(ok)).toBe(true);
    const rows = (await queryAll(cloudAccountEntity, accountsOfOrgQuery(user.orgId))).filter(
      (a) => a.awsAccountId === awsAccountId,
    );
    expect(rows).toHaveLength(1);
    const claim = await getItem(awsAccountClaimEntity, awsAccountClaimKey(awsAccountId));
    expect(claim).toMatchObject({ orgId: user.orgId, accountId: rows[0]?.accountId });
    // The key kept is one of the keys sent, and every answer names the same row.
    const secret = await getItem(
      accountSecretEntity,
      accountSecretKey(user.orgId, String(rows[0]?.accountId)),
    );
    expect(bodies.map((b) => b.accessKeyId)).toContain(secret?.accessKeyId);
    for (const r of results.filter(ok)) expect(r.body.id).toBe(rows[0]?.accountId);
  });

  it('one organization connecting two AWS accounts at once: the placeholder is filled once, no row lost', async () => {
    const user = await signUpAndIn('Two at once');
    const ids = [newAwsAccountId(), newAwsAccountId()];
    const results = await Promise.all(ids.map((id) => connect(user.accessToken, keysBody(id))));
    for (const r of results) expect(ok(r), r.raw).toBe(true);
    const rows = await queryAll(cloudAccountEntity, accountsOfOrgQuery(user.orgId));
    expect(rows.map((r) => r.awsAccountId).sort()).toEqual([...ids].sort());
    expect(new Set(results.map((r) => r.body.id)).size).toBe(2);
  });

  it('two Verify clicks with one External ID at once: one connects, the other is told the ID was used', async () => {
    const user = await signUpAndIn('Double click');
    const body = await roleConnectBody(cloud, user.accessToken, newAwsAccountId());
    const results = await Promise.all([connect(user.accessToken, body), connect(user.accessToken, body)]);
    expect(results.filter(ok)).toHaveLength(1);
    const loser = results.find((r) => !ok(r));
    expect(loser?.status).toBe(400);
    expect(loser?.body.message).toMatch(/External ID .*already used/);
  });
});

describe('agent token races', () => {
  const tokenItemsOf = async (clusterId: string) =>
    [...(await tableItems(tableName)).values()].filter(
      (item) => String(item.PK).startsWith('AGENTTOKEN#') && item.clusterId === clusterId,
    );

  it('five concurrent issues for one cluster leave exactly one valid token, one of those handed out', async () => {
    const user = await signUpAndIn('Tokens');
    const cluster = await seedCluster(user.orgId);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          call('POST /api/client/clusters/{id}/agent-token', {
            token: user.accessToken,
            path: { id: cluster.clusterId },
          }),
        ),
      );
      for (const r of results) {
        // 503: DynamoDB cancelled a transaction for a conflict with a concurrent one (busy, retry).
        expect([201, 409, 503], r.raw).toContain(r.status);
        if (r.status === 409) {
          expect(r.body.code).toBe('AGENT_TOKEN_CHANGED');
          expect(r.body.message).toMatch(/issued for this cluster at the same moment/);
        }
      }
      const issued = results.filter((r) => r.status === 201).map((r) => String(r.body.token));
      expect(issued.length).toBeGreaterThanOrEqual(1);
      const items = await tokenItemsOf(cluster.clusterId);
      expect(items).toHaveLength(1);
      const stored = await getItem(clusterEntity, clusterKey(user.orgId, cluster.clusterId));
      expect(items[0]?.tokenSha256).toBe(stored?.agentTokenSha256);
      const accepted = [];
      for (const token of issued) {
        const res = await call('POST /api/ingest/snapshots', {
          token,
          body: { kind: 'heartbeat', agentVersion: '0.1.0' },
        });
        expect([200, 401]).toContain(res.status);
        if (res.status === 200) accepted.push(token);
      }
      expect(accepted).toHaveLength(1);
    }
  });

  it('a token issue whose cluster changed under it is a 409, a conflicting transaction a 503', async () => {
    const user = await signUpAndIn('Token faults');
    const cluster = await seedCluster(user.orgId);
    const issue = () =>
      call('POST /api/client/clusters/{id}/agent-token', {
        token: user.accessToken,
        path: { id: cluster.clusterId },
      });
    const cancelled = (...codes: string[]) => ({
      when: ({ commandName }: { commandName: string }) => commandName === 'TransactWriteItemsCommand',
      errorName: 'TransactionCanceledException',
      errorFields: { CancellationReasons: codes.map((Code) => ({ Code })) },
    });
    armDynamoFault(cancelled('None', 'ConditionalCheckFailed'));
    const changed = await issue();
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe('AGENT_TOKEN_CHANGED');
    armDynamoFault(cancelled('None', 'TransactionConflict'));
    const busy = await issue();
    expect(busy.status).toBe(503);
    disarmDynamoFault();
    expect(await tokenItemsOf(cluster.clusterId)).toHaveLength(0);
    expect((await issue()).status).toBe(201);
  });
});

describe('disconnect races', () => {
  async function connectedAccount() {
    const user = await signUpAndIn(`Disconnect ${randomUUID().slice(0, 4)}`);
    const awsAccountId = newAwsAccountId();
    const res = await connect(user.accessToken, keysBody(awsAccountId));
    expect(ok(res), res.raw).toBe(true);
    return { user, awsAccountId, id: String(res.body.id) };
  }
  const disconnect = (token: string, id: string) =>
    call('DELETE /api/client/accounts/{id}', { token, path: { id } });

  it('three disconnects of one account at once: one 204, the others 404, claim and key gone', async () => {
    const { user, awsAccountId, id } = await connectedAccount();
    const results = await Promise.all([1, 2, 3].map(() => disconnect(user.accessToken, id)));
    const statuses = results.map((r) => r.status).sort();
    // 503 would be a transaction conflict (busy); a loser that lost on the condition is a 404.
    expect(statuses.filter((s) => s === 204)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 204)) expect([404, 503], r.raw).toContain(r.status);
    expect(await getItem(awsAccountClaimEntity, awsAccountClaimKey(awsAccountId))).toBeUndefined();
    expect(await getItem(accountSecretEntity, accountSecretKey(user.orgId, id))).toBeUndefined();
  });

  it('answers 404 only when a condition failed: a conflicting transaction is a 503 and keeps the account', async () => {
    const { user, awsAccountId, id } = await connectedAccount();
    const cancelled = (...codes: string[]) =>
      armDynamoFault({
        when: ({ commandName }) => commandName === 'TransactWriteItemsCommand',
        errorName: 'TransactionCanceledException',
        errorFields: { CancellationReasons: codes.map((Code) => ({ Code })) },
      });
    cancelled('TransactionConflict', 'None', 'None');
    const busy = await disconnect(user.accessToken, id);
    expect(busy.status, busy.raw).toBe(503);
    cancelled('ConditionalCheckFailed', 'None', 'None');
    expect((await disconnect(user.accessToken, id)).status).toBe(404);
    disarmDynamoFault();
    // Neither fault removed anything: the account, its claim and its key are all there.
    expect(
      (await call('GET /api/client/accounts/{id}', { token: user.accessToken, path: { id } })).status,
    ).toBe(200);
    expect(await getItem(awsAccountClaimEntity, awsAccountClaimKey(awsAccountId))).toBeDefined();
    expect(await getItem(accountSecretEntity, accountSecretKey(user.orgId, id))).toBeDefined();
    expect((await disconnect(user.accessToken, id)).status).toBe(204);
  });
});
