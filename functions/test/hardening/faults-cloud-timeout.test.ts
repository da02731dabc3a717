import { createServer, type Server, type Socket } from 'node:net';
import { CloudAccessError } from '@spot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsCustomerCloud } from '../../src/ports/aws/cloud';
import { RegionClients } from '../../src/ports/aws/cloud-clients';
import { customerCallTimeouts } from '../../src/ports/aws/cloud-timeouts';
import type { CloudTarget } from '../../src/ports/cloud';

/**
 * Fault: the customer's cloud takes the connection and never answers. A local TCP server plays it
 * (accepts, reads, never writes); the SDK clients are pointed at it with AWS_ENDPOINT_URL. The call must
 * end on its own (no hang), be retried, and reach the caller as CLOUD_UNREACHABLE with a message.
 */
let server: Server;
const sockets: Socket[] = [];
let connections = 0;
const saved = process.env.AWS_ENDPOINT_URL;

beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    sockets.push(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = saved;
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const keyTarget: CloudTarget = {
  credentials: {
    kind: 'access-key',
    accessKeyId: 'AKIAEXAMPLEKEYID0001',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLESECRET',
  },
  region: 'eu-west-1',
};

describe('a customer endpoint that never answers', () => {
  it('is cut by the request timeout, retried, and reported as unreachable with a message', async () => {
    const cloud = new AwsCustomerCloud({
      // The production limits are seconds; the mechanism is the same with milliseconds.
      timeouts: { connectionTimeoutMs: 300, requestTimeoutMs: 400 },
      retry: { maxAttempts: 3, sleep: async () => {} },
    });
    const before = connections;
    const error = await cloud.identify(keyTarget).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudAccessError);
    const access = error as CloudAccessError;
    expect(access.code).toBe('CLOUD_UNREACHABLE');
    expect(access.statusCode).toBe(422);
    expect(access.message).toMatch(/could not reach the AWS API for sts:GetCallerIdentity in eu-west-1/);
    expect(access.message).toMatch(/Retry in a few minutes/);
    expect(access.message).not.toContain(keyTarget.credentials.kind === 'access-key' ? 'wJalr' : '');
    // Every attempt reached the silent server and was given up: three connections, no hang.
    expect(connections - before).toBe(3);
  });

  it('builds every customer client with the production limits, and a timeout that throws', async () => {
    expect(customerCallTimeouts).toEqual({ connectionTimeoutMs: 3_000, requestTimeoutMs: 5_000 });
    const clients = new RegionClients('eu-west-1', { accessKeyId: 'AKIAX', secretAccessKey: 'x' });
    for (const client of [clients.sts, clients.ec2, clients.eks, clients.autoScaling, clients.cloudWatch]) {
      const handler = client.config.requestHandler as unknown as { configProvider: Promise<unknown> };
      expect(await handler.configProvider).toMatchObject({
        connectionTimeout: 3_000,
        requestTimeout: 5_000,
        throwOnRequestTimeout: true,
      });
    }
    clients.destroy();
  });
});
