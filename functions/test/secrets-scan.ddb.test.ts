import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { queryAll } from '../src/data/repository';
import { logSink } from '../src/lib/logger';
import { installConnectFakes, newAwsAccountId } from './accounts-connect-fakes';
import { call, seenResponses, signUpAndIn, useLocalServices } from './support/services';

/**
 * The secret access key of an access-key connection must never come back: not in any response body,
 * not in any log line, not in any audit record, whatever path the connect flow takes (success,
 * validation failure, refused keys, account mismatch, a claim by another organization, reconnect,
 * rename, resync, disconnect).
 */
const logLines: string[] = [];
const originalWrite = logSink.write;

beforeAll(async () => {
  await useLocalServices();
  logSink.write = (line) => {
    logLines.push(line);
  };
});

afterAll(() => {
  logSink.write = originalWrite;
});

describe('the secret access key never leaves the envelope', () => {
  it('appears in no response, log line or audit record of the whole connect flow', async () => {
    const { cloud } = installConnectFakes();
    const owner = await signUpAndIn();
    const other = await signUpAndIn();
    const awsAccountId = newAwsAccountId();
    const keys = cloud.addAccessKey(awsAccountId);
    const rotated = cloud.addAccessKey(awsAccountId);
    const intruderKeys = cloud.addAccessKey(awsAccountId);
    const secrets = [keys.secretAccessKey, rotated.secretAccessKey, intruderKeys.secretAccessKey];
    const connect = (token: string, body: Record<string, unknown>) =>
      call('POST /api/client/accounts/connect', {
        token,
        body: { method: 'access-key', region: 'us-east-1', ...body },
      });

    const statuses = [
      (await connect(owner.accessToken, { ...keys, secretAccessKey: `${keys.secretAccessKey} oops` })).status,
      (
        await connect(owner.accessToken, {
          ...keys,
          secretAccessKey: `${keys.secretAccessKey.slice(0, 39)}!`,
        })
      ).status,
      (await connect(owner.accessToken, { ...keys, awsAccountId: newAwsAccountId() })).status,
      (await connect(owner.accessToken, { ...keys, name: 'n'.repeat(80) })).status,
      (await connect(owner.accessToken, keys)).status,
      (await connect(owner.accessToken, rotated)).status,
      (await connect(other.accessToken, intruderKeys)).status,
    ];
    expect(statuses).toEqual([400, 422, 422, 400, 200, 200, 409]);

    const list = await call('GET /api/client/accounts', { token: owner.accessToken });
    const id = String(list.body.items?.[0]?.id);
    await call('GET /api/client/accounts/{id}', { token: owner.accessToken, path: { id } });
    await call('PATCH /api/client/accounts/{id}', {
      token: owner.accessToken,
      path: { id },
      body: { name: 'Lab' },
    });
    await call('POST /api/client/accounts/{id}/resync', { token: owner.accessToken, path: { id } });
    await call('DELETE /api/client/accounts/{id}', { token: owner.accessToken, path: { id } });

    const audit = [
      ...(await queryAll(auditRecordEntity, auditRecordsQuery(owner.orgId))),
      ...(await queryAll(auditRecordEntity, auditRecordsQuery(other.orgId))),
    ].map((r) => JSON.stringify(r));
    expect(seenResponses.length).toBeGreaterThan(10);
    expect(logLines.length).toBeGreaterThan(10);
    expect(audit.filter((r) => r.includes('account.connect'))).toHaveLength(7);
    for (const secret of secrets) {
      // Also a distinctive part of it, in case something truncated or re-encoded the value.
      for (const needle of [secret, secret.slice(4, 24)]) {
        expect(seenResponses.filter((r) => r.includes(needle))).toEqual([]);
        expect(logLines.filter((l) => l.includes(needle))).toEqual([]);
        expect(audit.filter((r) => r.includes(needle))).toEqual([]);
      }
    }
  });
});
