/**
 * One local stack for restart.ddb.test.ts, run in a child process so that the test can kill it with
 * SIGKILL. Prints `READY <url>` once serving and `HUNG <accountId>` when a discovery of an account listed
 * in RESTART_HANG_ACCOUNTS reaches ListRegions, which then never finishes (the run the kill cuts off).
 * SIGTERM stops it cleanly.
 */
import { join } from 'node:path';
import { startLocalStack } from '../src/stack';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: restart-stack.ts <dataDir>');
// The same ports on every start, as with `npm start`: tokens name the directory's address as their issuer.
const [port, dynamodbPort, cognitoPort] = (process.env.RESTART_PORTS ?? '0,0,0').split(',').map(Number);
const hang = new Set((process.env.RESTART_HANG_ACCOUNTS ?? '').split(',').filter(Boolean));

const stack = await startLocalStack({
  port,
  dynamodbPort,
  cognitoPort,
  dataDir,
  buildWeb: false,
  webDist: join(import.meta.dirname, 'fixtures', 'web-dist'),
  workflowWaitMs: 0,
  // Whole discoveries run three times here; what is tested is their resumption, not the fleet's size.
  sandboxSize: 'small',
  sandboxAgents: false,
  log: (message) => console.log(`[local] ${message}`),
  wrapTask: (state, run) =>
    state !== 'ListRegions'
      ? run
      : async (input) => {
          const accountId = (input as { accountId?: string }).accountId ?? '';
          if (!hang.has(accountId)) return run(input);
          console.log(`HUNG ${accountId}`);
          return new Promise(() => {});
        },
});
console.log(`READY ${stack.url}`);
process.on('SIGTERM', () => {
  void stack.stop().finally(() => process.exit(0));
});
