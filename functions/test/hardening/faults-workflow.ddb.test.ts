import { LocalStepFunctions } from '@spot/local/stepfunctions';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cloudAccountEntity, cloudAccountKey } from '../../src/data/entities/cloud-account';
import { getItem } from '../../src/data/repository';
import { configurePorts } from '../../src/ports/index';
import { type FakeCloud, installConnectFakes, newAwsAccountId } from '../accounts-connect-fakes';
import { call, signUpAndIn, useLocalServices } from '../support/services';
import { armDynamoFault, type DynamoFault, disarmDynamoFault } from './ddb-faults';

/**
 * Fault: a Step Functions task failing mid-way. The real discovery ASL runs on the local interpreter;
 * while one chosen state runs, its DynamoDB calls fail (throttling that outlasts the SDK's retries, or
 * an error of ours). Every execution must stop in a final state, and the account must leave `scanning`
 * with a reason a person can read: no run stays "running", no reason leaks an SDK or code message.
 */
let workflows: LocalStepFunctions;
let fake: FakeCloud;
/** The state whose DynamoDB calls fail, how (and for how many of its attempts), and its attempts so far. */
let faulted: { state: string; fault: DynamoFault; attempts: number; failAttempts: number } | null = null;

beforeAll(async () => {
  // One attempt per DynamoDB call: the fault is "still failing after the SDK's retries" at once.
  process.env.AWS_MAX_ATTEMPTS = '1';
  await useLocalServices();
  // The connect doubles (an empty customer account), with the real discovery ASL on the local interpreter.
  fake = installConnectFakes().cloud;
  workflows = new LocalStepFunctions({
    retryIntervalMs: 10,
    waitTimeMs: 10,
    wrapTask: (state, run) => async (input) => {
      const f = faulted;
      if (!f || f.state !== state) return run(input);
      f.attempts++;
      if (f.attempts > f.failAttempts) return run(input);
      armDynamoFault(f.fault);
      try {
        return await run(input);
      } finally {
        disarmDynamoFault();
      }
    },
  });
  configurePorts({ workflows });
  // Validating the ASL and loading the task modules takes seconds on a busy machine: done here, once,
  // so that no Connect request of a test waits for it (an execution of an unknown account just fails).
  const warm = await workflows.startExecution('discovery', { orgId: 'warm-up', accountId: 'warm-up' });
  await workflows.waitForExecution(warm.executionArn);
}, 60_000);

afterEach(() => {
  faulted = null;
  disarmDynamoFault();
});

async function discoverWithFault(state: string, fault: DynamoFault, failAttempts = Number.POSITIVE_INFINITY) {
  const user = await signUpAndIn();
  faulted = { state, fault, attempts: 0, failAttempts };
  // Connect starts the discovery execution; its ARN is recorded on the account.
  const connected = await call('POST /api/client/accounts/connect', {
    token: user.accessToken,
    body: { method: 'access-key', region: 'eu-west-1', ...fake.addAccessKey(newAwsAccountId()) },
  });
  expect(connected.status, connected.raw).toBe(200);
  const accountId = String(connected.body.id);
  const started = await getItem(cloudAccountEntity, cloudAccountKey(user.orgId, accountId));
  const record = await workflows.waitForExecution(String(started?.lastExecutionArn));
  const account = await getItem(cloudAccountEntity, cloudAccountKey(user.orgId, accountId));
  return { record, account, attempts: faulted.attempts };
}

const always = (errorName: string): DynamoFault => ({ when: () => true, errorName });

describe('a discovery task failing mid-way', () => {
  it('CompleteDiscovery on a table that stays throttled: retried, then FAILED with a reason', async () => {
    const { record, account, attempts } = await discoverWithFault(
      'CompleteDiscovery',
      always('ThrottlingException'),
    );
    expect(record.status).toBe('FAILED');
    expect(record.error?.error).toBe('DiscoveryFailed');
    // The busy table became Discovery.Retryable: the state's Retry ran it 1 + 3 times.
    expect(attempts).toBe(4);
    expect(account?.status).toBe('error');
    expect(account?.statusReason).toBe(
      'Discovery failed: The service was busy for too long. Check the connection and use Re-Sync.',
    );
  });

  it('CompleteDiscovery throttled once: the Retry carries the run to SUCCEEDED', async () => {
    const { record, account, attempts } = await discoverWithFault(
      'CompleteDiscovery',
      always('ProvisionedThroughputExceededException'),
      1,
    );
    expect(record.status, JSON.stringify(record.error)).toBe('SUCCEEDED');
    expect(attempts).toBe(2);
    expect(account?.status).toBe('active');
  });

  it('CompleteDiscovery failing on an error of ours: FAILED, and the reason names the step, not the internals', async () => {
    const { record, account } = await discoverWithFault('CompleteDiscovery', always('ValidationException'));
    expect(record.status).toBe('FAILED');
    expect(account?.status).toBe('error');
    expect(account?.statusReason).toMatch(
      /^Discovery failed: An internal step \(discovery\/complete\) failed/,
    );
    expect(account?.statusReason).not.toMatch(/ValidationException|Rate of requests|Error:/);
  });
});
