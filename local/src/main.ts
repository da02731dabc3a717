/**
 * `npm start`: the whole product on this machine, no AWS account needed.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | SPOT_PORT | 3000 | the app (API + web) |
 * | SPOT_DYNAMODB_PORT | 8000 | DynamoDB Local |
 * | SPOT_COGNITO_PORT | 9229 | cognito-local |
 * | SPOT_DATA_DIR | `<repo>/.local` | data kept between runs (git-ignored) |
 * | SPOT_DYNAMODB_IN_MEMORY | unset | `1` keeps the table in memory: faster, lost on stop (browser tests) |
 * | SPOT_COGNITO_CODE | 123456 | the confirmation code of every sign-up |
 * | SPOT_WORKFLOW_WAIT_MS | 1000 | how long Wait states of workflows pause (`real` to keep theirs) |
 * | SPOT_VERBOSE | unset | `1` echoes the output of DynamoDB Local and cognito-local |
 * | SPOT_SANDBOX_SEED | 42 | seed of the sandbox cloud (same seed, same accounts, clusters and keys) |
 * | SPOT_SANDBOX_SIZE | default | `large` for the 50-cluster, ~5,000-instance sandbox; `small` for 7 small clusters; `e2e` for the small world plus a third and a fourth account (the browser tests) |
 */
import { resolve } from 'node:path';
import { LocalStackError } from './errors';
import { defaultPaths } from './paths';
import { sandboxAgentSettingsFromEnv } from './sandbox/agents';
import type { SandboxSize } from './sandbox/index';
import { type LocalStack, startLocalStack } from './stack';
import { portFromEnv } from './tcp-ports';

const log = (message: string) => console.log(`[local] ${message}`);

function workflowWaitFromEnv(): number | 'real' {
  const raw = process.env.SPOT_WORKFLOW_WAIT_MS;
  if (raw === undefined || raw === '') return 1_000;
  if (raw === 'real') return 'real';
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0)
    throw new Error(`SPOT_WORKFLOW_WAIT_MS=${raw}: use a whole number of ms or "real"`);
  return ms;
}

function sandboxSeedFromEnv(): number {
  const raw = process.env.SPOT_SANDBOX_SEED;
  if (raw === undefined || raw === '') return 42;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`SPOT_SANDBOX_SEED=${raw}: use a whole number of 0 or more`);
  return seed;
}

function sandboxSizeFromEnv(): SandboxSize {
  const raw = process.env.SPOT_SANDBOX_SIZE;
  if (raw === undefined || raw === '' || raw === 'default') return 'default';
  if (raw === 'large' || raw === 'small' || raw === 'e2e') return raw;
  throw new Error(`SPOT_SANDBOX_SIZE=${raw}: use "default", "large", "small" or "e2e"`);
}

function sandboxLines(stack: LocalStack): string[] {
  const { sandbox } = stack;
  return [
    `  Sandbox cloud    seed ${sandbox.seed}, ${sandbox.size} size; keys also in ${stack.sandboxKeysFile}`,
    ...sandbox.accounts.flatMap((a) => [
      `    ${a.name} ${a.awsAccountId} (${a.homeRegion})`,
      `      access key ${a.accessKeyId}  secret ${a.secretAccessKey}`,
    ]),
    '  Role + External ID: POST /sandbox/accounts/<account id>/onboarding-stack',
    '                      {"externalId": "<from the wizard>", "enableWriteActions": true} -> {"roleArn"}',
  ];
}

function banner(stack: LocalStack): string {
  const line = '-'.repeat(72);
  return [
    line,
    `  Spot Optimizer is running: ${stack.url}`,
    '',
    `  Platform admin   ${stack.admin.email}`,
    `  Password         ${stack.admin.password}`,
    `  Sign-up code     ${stack.cognitoCode} (every new account is confirmed with it)`,
    '',
    `  Data directory   ${stack.dataDir} (delete it to start afresh)`,
    `  DynamoDB Local   ${stack.endpoints.dynamodb} (table ${stack.tableName})`,
    `  cognito-local    ${stack.endpoints.cognito} (pool ${stack.userPool.userPoolId})`,
    `  Started in       ${(stack.startupMs / 1000).toFixed(1)} s`,
    '',
    ...sandboxLines(stack),
    '',
    '  Stop with Ctrl-C (stops DynamoDB Local and cognito-local too).',
    line,
  ].join('\n');
}

async function main(): Promise<void> {
  // The SDK warns on Node 20 at every client; the toolchain is pinned to Node 20 on purpose.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stack = await startLocalStack({
    port: portFromEnv('SPOT_PORT', 3000),
    dynamodbPort: portFromEnv('SPOT_DYNAMODB_PORT', 8000),
    cognitoPort: portFromEnv('SPOT_COGNITO_PORT', 9229),
    dataDir: process.env.SPOT_DATA_DIR ? resolve(process.env.SPOT_DATA_DIR) : defaultPaths.dataDir,
    dynamodbInMemory: process.env.SPOT_DYNAMODB_IN_MEMORY === '1',
    cognitoCode: process.env.SPOT_COGNITO_CODE || '123456',
    workflowWaitMs: workflowWaitFromEnv(),
    echoServices: process.env.SPOT_VERBOSE === '1',
    sandboxSeed: sandboxSeedFromEnv(),
    sandboxSize: sandboxSizeFromEnv(),
    sandboxAgents: sandboxAgentSettingsFromEnv(process.env),
    log,
  });
  console.log(banner(stack));

  let stoppingSince: number | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      // The same Ctrl-C can arrive twice (from the terminal and relayed by tsx): only a later one forces.
      if (Date.now() - stoppingSince < 1_000) return;
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    log(`${signal}: stopping ...`);
    const forced = setTimeout(() => {
      log('stopping took over 15 s: exiting');
      process.exit(1);
    }, 15_000);
    forced.unref();
    stack.stop().then(
      () => {
        log('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, shutdown);
}

main().catch((err: unknown) => {
  if (err instanceof LocalStackError) console.error(`\n[local] ${err.message}\n`);
  else console.error(err);
  process.exit(1);
});
