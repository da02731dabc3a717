import { createServer, type Server, type Socket } from 'node:net';
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  STSClient,
  type STSClientResolvedConfig,
} from '@aws-sdk/client-sts';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsAccountClaimEntity, awsAccountClaimKey } from '../../src/data/entities/aws-account-claim';
import { getItem } from '../../src/data/repository';
import { AwsCustomerCloud } from '../../src/ports/aws/cloud';
import { toDomainError } from '../../src/ports/aws/cloud-errors';
import { configurePorts } from '../../src/ports/index';
import {
  type FakeCloud,
  installConnectFakes,
  newAwsAccountId,
  roleConnectBody,
} from '../accounts-connect-fakes';
import { type ApiResponse, call, signUpAndIn, useLocalServices } from '../support/services';
import { tableDiff, tableItems } from './ddb-faults';

/**
 * Fault: the customer's cloud times out or denies during Connect. The real AWS adapter answers (its
 * timeouts, retries and error mapping); the answer is a 422 naming what to fix, and nothing of the
 * connection is written: no claim, no secret, the placeholder still pending, the External ID still usable.
 */
type User = Awaited<ReturnType<typeof signUpAndIn>>;
let tableName: string;
let fake: FakeCloud;
let user: User;
let server: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  ({ tableName } = await useLocalServices());
  fake = installConnectFakes().cloud;
  user = await signUpAndIn('Cloud faults');
  server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_STS;
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  fake.faults.clear();
  fake.denied.clear();
});

/** Connects with `body`, expecting a refusal: the table (audit records aside) is as it was before. */
async function refusedWithoutTrace(body: unknown): Promise<ApiResponse> {
  const before = await tableItems(tableName);
  const res = await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
  expect(res.status, res.raw).toBe(422);
  expect(tableDiff(before, await tableItems(tableName))).toEqual([]);
  const accounts = await call('GET /api/client/accounts', { token: user.accessToken });
  expect(accounts.body.items).toMatchObject([{ status: 'pending', awsAccountIdMasked: null }]);
  return res;
}

describe('the customer cloud times out (a silent endpoint, the real adapter)', () => {
  beforeAll(() => {
    const address = server.address() as { port: number };
    // Only STS goes to the silent server; DynamoDB and the directory keep their local endpoints.
    process.env.AWS_ENDPOINT_URL_STS = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => {
    delete process.env.AWS_ENDPOINT_URL_STS;
  });

  it('access keys: CLOUD_UNREACHABLE after the retries, nothing written, the same keys connect later', async () => {
    const cloud = new AwsCustomerCloud({
      timeouts: { connectionTimeoutMs: 300, requestTimeoutMs: 400 },
      retry: { maxAttempts: 2, sleep: async () => {} },
    });
    configurePorts({ cloud });
    const awsAccountId = newAwsAccountId();
    const body = { method: 'access-key', region: 'eu-west-1', ...fake.addAccessKey(awsAccountId) };
    const res = await refusedWithoutTrace(body);
    expect(res.body.code).toBe('CLOUD_UNREACHABLE');
    expect(res.body.message).toMatch(
      /could not reach the AWS API for sts:GetCallerIdentity .* Retry in a few minutes/,
    );
    expect(res.raw).not.toContain(body.secretAccessKey);
    configurePorts({ cloud: fake });
    const again = await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
    expect(again.status, again.raw).toBe(200);
    expect(await getItem(awsAccountClaimEntity, awsAccountClaimKey(awsAccountId))).toMatchObject({
      orgId: user.orgId,
    });
    // Back to a pending placeholder for the next cases.
    expect(
      (
        await call('DELETE /api/client/accounts/{id}', {
          token: user.accessToken,
          path: { id: String(again.body.id) },
        })
      ).status,
    ).toBe(204);
    user = await signUpAndIn('Cloud faults 2');
  });
});

describe('the customer cloud denies', () => {
  // Installed here, not at collection: the timeout cases above need the real STS client.
  let sts: AwsStub<ServiceInputTypes, ServiceOutputTypes, STSClientResolvedConfig>;
  beforeAll(() => {
    sts = mockClient(STSClient);
  });
  afterAll(() => sts.restore());

  const awsError = (name: string, message: string) =>
    Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 403 } });

  it('a role whose trust policy refuses the platform: CLOUD_TRUST_POLICY, External ID still usable', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejects(awsError('AccessDenied', 'User is not authorized to perform: sts:AssumeRole'));
    configurePorts({ cloud: new AwsCustomerCloud({ retry: { sleep: async () => {} } }) });
    const body = await roleConnectBody(fake, user.accessToken, newAwsAccountId());
    const res = await refusedWithoutTrace(body);
    expect(res.body.code).toBe('CLOUD_TRUST_POLICY');
    expect(res.body.message).toMatch(/trust policy or External ID does not allow/);
    // The role setup was not consumed: once the trust policy is fixed, the same Verify connects.
    configurePorts({ cloud: fake });
    const again = await call('POST /api/client/accounts/connect', { token: user.accessToken, body });
    expect(again.status, again.raw).toBe(200);
    user = await signUpAndIn('Cloud faults 3');
  });

  it('access keys AWS does not recognise: CLOUD_INVALID_CREDENTIALS, nothing written', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(awsError('InvalidClientTokenId', 'The security token is invalid.'));
    configurePorts({ cloud: new AwsCustomerCloud({ retry: { sleep: async () => {} } }) });
    const body = { method: 'access-key', region: 'eu-west-1', ...fake.addAccessKey(newAwsAccountId()) };
    const res = await refusedWithoutTrace(body);
    expect(res.body.code).toBe('CLOUD_INVALID_CREDENTIALS');
    expect(res.body.message).toMatch(/Check that both were copied completely/);
    configurePorts({ cloud: fake });
  });

  it('credentials without the read permissions: CLOUD_ACCESS_DENIED naming each one, nothing written', async () => {
    fake.denied.add('ec2:DescribeInstances');
    fake.denied.add('eks:ListClusters');
    const body = { method: 'access-key', region: 'eu-west-1', ...fake.addAccessKey(newAwsAccountId()) };
    const res = await refusedWithoutTrace(body);
    expect(res.body.code).toBe('CLOUD_ACCESS_DENIED');
    expect(res.body.message).toMatch(/ec2:DescribeInstances.*eks:ListClusters.*Attach a policy/);
  });

  it('the permission check timing out mid-way (after identify): 422 CLOUD_UNREACHABLE, nothing written', async () => {
    const body = {
      method: 'access-key' as const,
      region: 'eu-west-1',
      ...fake.addAccessKey(newAwsAccountId()),
    };
    // What the adapter makes of a TimeoutError of the probe, after its retries.
    fake.faults.set(
      'checkPermissions',
      toDomainError(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }), {
        action: 'ec2:DescribeInstances',
        region: 'eu-west-1',
        credentials: {
          kind: 'access-key',
          accessKeyId: body.accessKeyId,
          secretAccessKey: body.secretAccessKey,
        },
      }),
    );
    const res = await refusedWithoutTrace(body);
    expect(res.body.code).toBe('CLOUD_UNREACHABLE');
    expect(res.body.message).toMatch(/ec2:DescribeInstances in eu-west-1 \(TimeoutError\)/);
  });
});
