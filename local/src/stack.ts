/**
 * The whole local stack in one call: DynamoDB Local, cognito-local, the local ports (workflows,
 * scheduler, key service) installed into the functions, and the HTTP gateway serving API + SPA.
 * `npm start` (main.ts) runs it with the developer's data directory; the e2e tests run it on free ports
 * with a fresh temporary directory and call `stop()` at the end.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type AdminUser,
  ensureAdminUser,
  ensureUserPool,
  startCognitoLocal,
  type UserPoolInfo,
} from './cognito';
import { LocalDeadLetters } from './dead-letters';
import { ensureTable, startDynamoDbLocal } from './dynamodb';
import { LocalStackError } from './errors';
import { watchEventLoop } from './event-loop';
import { LocalExportStorage, localExportRoutes, localExportsDir } from './export-storage';
import { type ExtraRoute, type Gateway, startGateway } from './gateway';
import { LocalKeyService } from './keys';
import { LocalOutbox, localOutboxFile, localOutboxRoutes } from './outbox';
import { defaultPaths, repoRoot } from './paths';
import { commandLineOf, hasExited, type ManagedProcess } from './processes';
import { sandboxAgentInstallRoutes } from './sandbox/agent-install';
import { type SandboxAgentSettings, SandboxAgents, sandboxAgentSnapshotRoute } from './sandbox/agents';
import { SandboxCloud, type SandboxSize, sandboxRoutes, writeSandboxKeysFile } from './sandbox/index';
import { LocalScheduler } from './scheduler';
import { readStackState, updateStackState } from './stack-state';
import { LocalStepFunctions, type LocalStepFunctionsOptions } from './stepfunctions';
import { LocalTableStream } from './table-stream';
import { assertPortFree, findFreePort } from './tcp-ports';

export interface LocalStackOptions {
  /** Gateway + SPA port (0 = any free port). Default 3000. */
  port?: number;
  /** DynamoDB Local port (0 = any free port). Default 8000. */
  dynamodbPort?: number;
  /** cognito-local port (0 = any free port). Default 9229. */
  cognitoPort?: number;
  /** Where everything persistent lives. Default `<repo>/.local`. */
  dataDir?: string;
  /**
   * Keep DynamoDB Local's database in memory instead of under `dataDir` (the browser tests: a first scan's
   * thousands of history writes are about 2.5x faster than with the on-disk SQLite file). The table does
   * not survive a restart then, while the rest of `dataDir` does, so it is only for one-run stacks.
   */
  dynamodbInMemory?: boolean;
  /** The confirmation code cognito-local gives every sign-up. Default `123456`. */
  cognitoCode?: string;
  tableName?: string;
  /** Build `web/dist` when it is missing (default true). */
  buildWeb?: boolean;
  webDist?: string;
  handlersRoot?: string;
  tasksRoot?: string;
  /** Local-only routes besides the sandbox cloud's own `/sandbox/...`. */
  extraRoutes?: readonly ExtraRoute[];
  /** The sandbox cloud's world: same seed, same accounts and clusters. Default 42 / `default`. */
  sandboxSeed?: number;
  sandboxSize?: SandboxSize;
  /**
   * The sandbox clusters' agents (docs/sandbox.md): on by default with the real agent's periods; `false`
   * turns them off. Needs `configurePorts` (they use the functions' domain code).
   */
  sandboxAgents?: false | SandboxAgentSettings;
  /** Wait states of workflows pause this long (ms), or `'real'`. Default 1000. */
  workflowWaitMs?: number | 'real';
  /** Fault injection for tests: wraps each Task state's handler (see LocalStepFunctionsOptions). */
  wrapTask?: LocalStepFunctionsOptions['wrapTask'];
  /** Install the local adapters into the functions with `configurePorts` (default true). */
  configurePorts?: boolean;
  /** Echo the output of DynamoDB Local and cognito-local. */
  echoServices?: boolean;
  log?: (message: string) => void;
  /** Names of the variables that set each port, for the "port in use" message. */
  portVariables?: { port: string; dynamodbPort: string; cognitoPort: string };
}

export interface LocalStack {
  url: string;
  dataDir: string;
  tableName: string;
  endpoints: { dynamodb: string; cognito: string };
  userPool: UserPoolInfo;
  admin: AdminUser;
  cognitoCode: string;
  workflows: LocalStepFunctions;
  scheduler: LocalScheduler;
  keyService: LocalKeyService;
  /** Emails and Slack posts the product sent (`<dataDir>/outbox.jsonl`, shown at `/local/outbox`). */
  outbox: LocalOutbox;
  /** The simulated customer cloud installed as the `cloud` port. */
  sandbox: SandboxCloud;
  /** `<dataDir>/sandbox.json`: the sandbox accounts' access keys (mode 0600). */
  sandboxKeysFile: string;
  /** The agents of discovered sandbox clusters; undefined when turned off. */
  sandboxAgents: SandboxAgents | undefined;
  gateway: Gateway;
  /** Milliseconds from the call to a listening gateway. */
  startupMs: number;
  /** Stops the gateway, the scheduler and both child services. Safe to call twice. */
  stop(): Promise<void>;
}

export const defaultPortVariables = {
  port: 'SPOT_PORT',
  dynamodbPort: 'SPOT_DYNAMODB_PORT',
  cognitoPort: 'SPOT_COGNITO_PORT',
};

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const dataDir = resolve(options.dataDir ?? defaultPaths.dataDir);
  const stateFile = join(dataDir, 'stack.json');
  const cognitoCode = options.cognitoCode ?? '123456';
  const tableName = options.tableName ?? 'spot-optimizer-local';
  const webDist = options.webDist ?? defaultPaths.webDist;
  const vars = options.portVariables ?? defaultPortVariables;

  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  mkdirSync(dataDir, { recursive: true });
  await claimDataDir(stateFile, dataDir, log);

  // Ports first: a clash is reported before anything starts. DynamoDB Local binds every interface.
  const pick = async (port: number | undefined, fallback: number, envVar: string, host: string) => {
    const wanted = port ?? fallback;
    if (wanted === 0) return findFreePort(host);
    await assertPortFree(wanted, envVar, host);
    return wanted;
  };

  const children: ManagedProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((err: unknown) =>
        log(`stop: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
    updateStackState(stateFile, { children: undefined, ownerPid: undefined });
  };

  try {
    const port = await pick(options.port, 3000, vars.port, '127.0.0.1');
    const dynamodbPort = await pick(options.dynamodbPort, 8000, vars.dynamodbPort, '0.0.0.0');
    const cognitoPort = await pick(options.cognitoPort, 9229, vars.cognitoPort, '127.0.0.1');
    const webBuild =
      (options.buildWeb ?? true) && !existsSync(join(webDist, 'index.html'))
        ? buildWeb(log)
        : Promise.resolve();
    // Each service is prepared as soon as it answers; the two run side by side.
    const track = <T extends { process: ManagedProcess; stop(): Promise<void> }>(service: T): T => {
      children.push(service.process);
      cleanups.push(service.stop);
      updateStackState(stateFile, { children: children.map((c) => ({ name: c.name, pid: c.pid })) });
      return service;
    };
    const [dynamodbResult, cognitoResult] = await Promise.allSettled([
      startDynamoDbLocal({
        port: dynamodbPort,
        dataDir: options.dynamodbInMemory ? undefined : join(dataDir, 'dynamodb'),
        echo: options.echoServices,
      })
        .then(track)
        .then(async (service) => {
          const created = await ensureTable(service.endpoint, tableName);
          log(`DynamoDB Local ${service.endpoint}: table ${tableName} ${created ? 'created' : 'found'}`);
          return service;
        }),
      startCognitoLocal({
        port: cognitoPort,
        dataDir: join(dataDir, 'cognito'),
        code: cognitoCode,
        echo: options.echoServices,
      })
        .then(track)
        .then(async (service) => {
          const userPool = await ensureUserPool(service.endpoint, { stateFile });
          const admin = await ensureAdminUser(service.endpoint, {
            userPoolId: userPool.userPoolId,
            clientId: userPool.clientId,
            code: cognitoCode,
            stateFile,
          });
          log(
            `cognito-local ${service.endpoint}: user pool ${userPool.userPoolId} ${userPool.created ? 'created' : 'found'}`,
          );
          return { service, userPool, admin };
        }),
    ]);
    if (dynamodbResult.status === 'rejected') throw dynamodbResult.reason;
    if (cognitoResult.status === 'rejected') throw cognitoResult.reason;
    const dynamodb = dynamodbResult.value;
    const { service: cognito, userPool, admin } = cognitoResult.value;

    const keyFile = join(dataDir, 'master.key');
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      COGNITO_USER_POOL_ID: userPool.userPoolId,
      COGNITO_CLIENT_ID: userPool.clientId,
      COGNITO_ENDPOINT: cognito.endpoint,
      COGNITO_AUTO_CONFIRM_CODE: cognitoCode,
      JWT_ISSUER: userPool.issuer,
      SPOT_LOCAL_STACK: '1',
      LOCAL_KEY_FILE: keyFile,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });

    const keyService = LocalKeyService.fromFile(keyFile);
    // Exports too large for a response; their download URLs point at this gateway once it listens.
    let gatewayUrl = `http://127.0.0.1:${port}`;
    const exportStorage = new LocalExportStorage(localExportsDir(dataDir), () => gatewayUrl);
    // Hibernation notices: emails and Slack posts land in the local outbox instead of SES and Slack.
    const outbox = new LocalOutbox(localOutboxFile(dataDir));
    // The world itself is built on first use; only the accounts and their keys are made now.
    const sandbox = new SandboxCloud({
      seed: options.sandboxSeed ?? 42,
      size: options.sandboxSize ?? 'default',
      stateFile: join(dataDir, 'sandbox-state.json'),
      log,
    });
    const sandboxKeysFile = join(dataDir, 'sandbox.json');
    writeSandboxKeysFile(sandboxKeysFile, sandbox);
    const workflows = new LocalStepFunctions({
      tasksRoot: options.tasksRoot,
      waitTimeMs: options.workflowWaitMs,
      wrapTask: options.wrapTask,
      log,
    });
    const scheduler = new LocalScheduler({
      clock: { now: () => new Date() },
      dataFile: join(dataDir, 'schedules.json'),
      fire: (target) => workflows.startExecution(target.workflow, target.input),
      log,
    });

    if (options.configurePorts ?? true) {
      // Imported only now: the functions read their environment, set just above, when first loaded.
      const { configurePorts, port: functionsPort } = await import('@spot/functions/ports/index');
      const { SlackWebhookSender } = await import('@spot/functions/ports/aws/slack');
      // A restart in the same process (tests) must not reuse clients bound to the old endpoints.
      const { resetRuntime } = await import('@spot/functions/lib/runtime');
      resetRuntime();
      configurePorts({
        workflows,
        scheduler,
        keyService,
        cloud: sandbox,
        kubernetes: sandbox.kubernetesPort,
        // SIEM batches that fail every retry: `.local/audit-dead-letters.jsonl` stands for the SQS queue.
        deadLetters: new LocalDeadLetters(join(dataDir, 'audit-dead-letters.jsonl')),
        exportStorage,
        email: outbox,
        // The webhook URL is checked as the customer gave it, then posted to the outbox's receiver.
        slack: new SlackWebhookSender({ rewrite: () => `${gatewayUrl}/local/slack` }),
        // Snooze links point at this gateway, which serves the SPA.
        site: { appUrl: async () => gatewayUrl },
      });
      // The admin's profile lives in the table, which is ready only now; idempotent on restarts.
      const { ensurePlatformAdmin } = await import('@spot/functions/domain/admin');
      await ensurePlatformAdmin(functionsPort('identity'), admin.email, admin.password, new Date());
      // A stack killed mid-discovery left accounts `scanning` with no run behind them (the runner kept
      // its executions in memory): each is resumed once, or ends `error` with a reason. Before the
      // gateway opens, so that no Re-Sync races the sweep.
      const { resumeInterruptedDiscoveries } = await import('@spot/functions/domain/discovery/resume');
      for (const r of await resumeInterruptedDiscoveries(new Date())) {
        if (r.outcome !== 'running') log(`discovery of account ${r.accountId} was interrupted: ${r.outcome}`);
      }
    }

    await webBuild;
    let sandboxAgents: SandboxAgents | undefined;
    const gateway = await startGateway({
      port,
      handlersRoot: options.handlersRoot,
      webDist,
      extraRoutes: [
        ...sandboxRoutes(sandbox),
        // The Add Cluster wizard's "run the Helm command" in a sandbox cluster (ADR 0051).
        ...sandboxAgentInstallRoutes(sandbox, () => gatewayUrl),
        // A running sandbox agent pushes now (the agents start below, once the gateway serves).
        sandboxAgentSnapshotRoute(() => sandboxAgents),
        ...localExportRoutes(exportStorage),
        ...localOutboxRoutes(outbox),
        ...(options.extraRoutes ?? []),
      ],
      log,
    });
    cleanups.push(() => gateway.close());
    gatewayUrl = gateway.url;
    const stopWatch = watchEventLoop(log);
    cleanups.push(async () => stopWatch());
    scheduler.start();
    // In the background once the gateway serves: the first Connect then starts its discovery at once.
    if (options.configurePorts ?? true) void workflows.warm();
    cleanups.push(() => scheduler.stop());

    // The table's stream, read from DynamoDB Local and handed to the same consumers the CDK app deploys.
    if (options.configurePorts ?? true) {
      const { auditExpiryFilter, auditInsertFilter } = await import('@spot/functions/streams/filters');
      const siem = await import('@spot/functions/streams/audit-siem');
      const expiry = await import('@spot/functions/streams/audit-expiry');
      const tableStream = new LocalTableStream(
        dynamodb.endpoint,
        tableName,
        [
          { name: 'audit-siem', filter: auditInsertFilter, handler: siem.handler },
          { name: 'audit-expiry', filter: auditExpiryFilter, handler: expiry.handler },
        ],
        log,
      );
      await tableStream.start();
      cleanups.push(async () => tableStream.stop());
    }

    if (options.sandboxAgents !== false && (options.configurePorts ?? true)) {
      const agents = new SandboxAgents({
        ...options.sandboxAgents,
        sandbox,
        apiUrl: gateway.url,
        log,
      });
      // A finished discovery may have found (or removed) clusters: react at once rather than at the
      // next poll. The poll still catches what happens outside discovery (a disconnect).
      const unsubscribe = workflows.onExecutionFinished((record) => {
        if (record.workflow === 'discovery') void agents.reconcile();
      });
      agents.start();
      // Stopped before the gateway closes (cleanups run in reverse), so no push meets a closed port.
      cleanups.push(async () => {
        unsubscribe();
        await agents.stop();
      });
      sandboxAgents = agents;
    }

    let stopping: Promise<void> | undefined;
    return {
      url: gateway.url,
      dataDir,
      tableName,
      endpoints: { dynamodb: dynamodb.endpoint, cognito: cognito.endpoint },
      userPool,
      admin,
      cognitoCode,
      workflows,
      scheduler,
      keyService,
      outbox,
      sandbox,
      sandboxKeysFile,
      sandboxAgents,
      gateway,
      startupMs: Date.now() - started,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Makes this process the owner of `dataDir`. Refuses when another live stack owns it; cleans up the
 * child services a crashed earlier run left behind (only processes recorded in stack.json whose command
 * line or working directory proves they served this data directory).
 */
async function claimDataDir(
  stateFile: string,
  dataDir: string,
  log: (message: string) => void,
): Promise<void> {
  const state = readStackState(stateFile);
  const owner = state.ownerPid;
  if (owner !== undefined && owner !== process.pid && /node|tsx/.test(commandLineOf(owner) ?? '')) {
    throw new LocalStackError(
      'DATA_DIR_IN_USE',
      `Another local stack (pid ${owner}) is using ${dataDir}. Stop it first, or set SPOT_DATA_DIR to another directory.`,
    );
  }
  const leftovers = (state.children ?? []).filter((child) => servedDataDir(child.pid, dataDir));
  for (const child of leftovers) {
    log(`stopping ${child.name} (pid ${child.pid}) left over from an earlier run`);
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  // Wait until they have exited, so that their ports are free for the checks that follow (a killed JVM
  // takes a moment to close its sockets after its command line is gone).
  const deadline = Date.now() + 10_000;
  while (leftovers.some((child) => !hasExited(child.pid)) && Date.now() < deadline) {
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
  updateStackState(stateFile, { ownerPid: process.pid, children: undefined });
}

function servedDataDir(pid: number, dataDir: string): boolean {
  const cmdline = commandLineOf(pid);
  if (cmdline === undefined) return false;
  if (cmdline.includes('DynamoDBLocal') && cmdline.includes(join(dataDir, 'dynamodb'))) return true;
  if (cmdline.includes('cognito-local')) {
    try {
      return readlinkSync(`/proc/${pid}/cwd`) === join(dataDir, 'cognito');
    } catch {
      return false;
    }
  }
  return false;
}

/** `npm run build -w web`; a failure is logged (the gateway then explains how to build) but not fatal. */
function buildWeb(log: (message: string) => void): Promise<void> {
  log('web/dist is missing: building the web app (npm run build -w web) ...');
  const started = Date.now();
  return new Promise((resolveBuild) => {
    const child = spawn('npm', ['run', 'build', '-w', 'web'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', (err) => {
      log(`could not run npm to build the web app: ${err.message}`);
      resolveBuild();
    });
    child.on('exit', (code) => {
      if (code === 0) log(`web app built (${Date.now() - started} ms)`);
      else
        log(
          `building the web app failed (exit ${code}); the API still runs.\n${output.trim().split('\n').slice(-15).join('\n')}`,
        );
      resolveBuild();
    });
  });
}
