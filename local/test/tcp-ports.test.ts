import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PortInUseError } from '../src/errors';
import { assertPortFree, findFreePort, isPortFree, portFromEnv } from '../src/tcp-ports';

const servers: Server[] = [];
const occupy = (port: number, host = '127.0.0.1') =>
  new Promise<Server>((resolve) => {
    const server = createServer();
    servers.push(server);
    server.listen(port, host, () => resolve(server));
  });

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('ports', () => {
  it('finds free ports and tells used from free', async () => {
    const port = await findFreePort();
    expect(await isPortFree(port)).toBe(true);
    await occupy(port);
    expect(await isPortFree(port)).toBe(false);
  });

  it('names the port and the variable that moves it when a port is in use', async () => {
    const port = await findFreePort();
    await occupy(port);
    const error = await assertPortFree(port, 'SPOT_PORT').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortInUseError);
    const { message, suggestedPort } = error as PortInUseError;
    expect(message).toBe(
      `Port ${port} is already in use. Stop the other process or set SPOT_PORT=${suggestedPort}.`,
    );
    expect(await isPortFree(suggestedPort)).toBe(true);
  });

  it('sees a port taken on one interface when checking all interfaces', async () => {
    const port = await findFreePort();
    await occupy(port, '127.0.0.1');
    await expect(assertPortFree(port, 'SPOT_DYNAMODB_PORT', '0.0.0.0')).rejects.toThrow(
      `Port ${port} is already in use. Stop the other process or set SPOT_DYNAMODB_PORT=`,
    );
  });

  it('passes a free port', async () => {
    await expect(assertPortFree(await findFreePort(), 'SPOT_PORT')).resolves.toBeUndefined();
  });

  it('reads ports from the environment with the variable named in errors', () => {
    expect(portFromEnv('SPOT_PORT', 3000, {})).toBe(3000);
    expect(portFromEnv('SPOT_PORT', 3000, { SPOT_PORT: '3100' })).toBe(3100);
    expect(() => portFromEnv('SPOT_PORT', 3000, { SPOT_PORT: 'abc' })).toThrow(
      'SPOT_PORT=abc is not a valid port',
    );
    expect(() => portFromEnv('SPOT_PORT', 3000, { SPOT_PORT: '70000' })).toThrow('SPOT_PORT');
  });
});
