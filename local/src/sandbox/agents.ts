/**
 * The sandbox's in-cluster agents: once discovery has seen a sandbox cluster in an organization, the
 * local stack "installs the agent" in it, as a customer would with the Helm chart. Each agent is the real
 * agent loop (`agent/src/agent.ts`) with a token issued by the real domain function (the one behind
 * `POST /api/client/clusters/{id}/agent-token`); it reads the cluster from the sandbox at the sandbox's
 * clock instead of the Kubernetes API, and pushes over real HTTP to the gateway's
 * `POST /api/ingest/snapshots`. So sandbox clusters exercise the agent path end to end: token check,
 * validation, `applySnapshot`, agent state and the `agent.connected` audit record.
 *
 * The supervisor reconciles what runs with the table: every `pollMs`, and whenever a discovery execution
 * finishes (the stack calls {@link SandboxAgents.reconcile}). A cluster gets its agent only after its
 * first collection (the Cluster item has `history`): discovery skips agentless collection while an
 * agent's snapshot is fresh, so an agent that pushed first would stop the 30-day back-fill, which only
 * the KubernetesPort provides. New agents also wait while the account is `scanning` (a run someone
 * started): their first snapshots would slow down the first scan people are waiting for. Agents stop when their cluster is removed or its account disconnected,
 * and when someone issues a new token on the cluster page (the old one is revoked, as a real agent
 * whose Secret was not updated; the next stack start installs it again). Only token hashes are stored,
 * so every stack start issues fresh tokens, which revokes those of the previous run.
 *
 * The agents run in write mode (ADR 0037): they poll `GET /api/agent/commands` and run the optimizer's
 * commands on the sandbox cluster's model (`agent-writes.ts`), as a customer's agent installed with
 * `writeMode.enabled=true` would.
 *
 * Each agent runs the release its Deployment's image names (`agent-writes.ts` models that Deployment,
 * installed at {@link SandboxAgentSettings.agentVersion}). When `upgrade-agent` patches the image, the
 * supervisor does what the Deployment controller does (strategy Recreate): the running agent stops (its
 * last command result is posted first) and an agent of the new release starts with the same token (the
 * Secret is unchanged); its first push reports the new version (ADR 0085).
 */

import { Agent, type LogLevel } from '@spot/agent/agent';
import { type AgentConfig, agentVersion, defaultAgentDeployment } from '@spot/agent/config';
import type { KeyQuery } from '@spot/functions/data/repository';
import type { ClusterSnapshot } from '@spot/shared/model/cluster-snapshot';
import type { ExtraRoute } from '../gateway';
import { imageRelease, sandboxExecutor } from './agent-writes';
import type { SandboxCloud } from './cloud';
import { readableSnapshot, sandboxAgentPermissionCheck } from './rbac';

/** What can be tuned (the local stack's option and environment). */
export interface SandboxAgentSettings {
  /** How often the table is checked for new, removed or disconnected clusters. Default 15 s. */
  pollMs?: number;
  /** Snapshot period of each agent (the real agent's default: 5 minutes). */
  snapshotIntervalMs?: number;
  /** Heartbeat period between snapshots (the real agent's default: 30 s). */
  heartbeatIntervalMs?: number;
  /**
   * Agents installed in one pass start this far apart, so that a dozen clusters do not apply their
   * first snapshot at the same instant right after a discovery. Default 2 s.
   */
  staggerMs?: number;
  /** Write mode of the agents (default on): they fetch and run the optimizer's commands. */
  writeMode?: boolean;
  /** How often an agent in write mode fetches commands (the real agent's default: 15 s). */
  commandPollMs?: number;
  /**
   * The release the agents are installed at (their Deployment's image tag; default: this repository's
   * agent). An older one shows the registry's agent drift, which Upgrade agent then clears.
   */
  agentVersion?: string;
}

/** The image repository of the sandbox agents' Deployments (the chart's default). */
export const sandboxAgentImageRepository = 'ghcr.io/spot-optimizer/spot-optimizer-agent';

export interface SandboxAgentsOptions extends SandboxAgentSettings {
  sandbox: SandboxCloud;
  /** Base URL of the local gateway, e.g. `http://127.0.0.1:3000`. */
  apiUrl: string;
  fetch?: typeof fetch;
  log?: (message: string) => void;
}

/**
 * The settings from the environment of `npm start`: `SPOT_SANDBOX_AGENTS=0` turns the agents off;
 * `SPOT_SANDBOX_AGENT_SNAPSHOT_SECONDS` (300), `SPOT_SANDBOX_AGENT_HEARTBEAT_SECONDS` (30) and
 * `SPOT_SANDBOX_AGENT_POLL_SECONDS` (15) shorten the periods, e.g. for a test that wants pushes soon;
 * `SPOT_SANDBOX_AGENT_VERSION` installs the agents at an older release (to try Upgrade agent).
 */
export function sandboxAgentSettingsFromEnv(env: NodeJS.ProcessEnv): false | SandboxAgentSettings {
  if (env.SPOT_SANDBOX_AGENTS === '0' || env.SPOT_SANDBOX_AGENTS === 'false') return false;
  const seconds = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${name}=${raw}: use a number of seconds above 0`);
    return value * 1000;
  };
  const settings: SandboxAgentSettings = {};
  const snapshot = seconds('SPOT_SANDBOX_AGENT_SNAPSHOT_SECONDS');
  const heartbeat = seconds('SPOT_SANDBOX_AGENT_HEARTBEAT_SECONDS');
  const poll = seconds('SPOT_SANDBOX_AGENT_POLL_SECONDS');
  if (snapshot !== undefined) settings.snapshotIntervalMs = snapshot;
  if (heartbeat !== undefined) settings.heartbeatIntervalMs = heartbeat;
  if (poll !== undefined) settings.pollMs = poll;
  const version = env.SPOT_SANDBOX_AGENT_VERSION;
  if (version) {
    if (!/^\d+\.\d+\.\d+$/.test(version))
      throw new Error(`SPOT_SANDBOX_AGENT_VERSION=${version}: use a release like 0.1.0`);
    settings.agentVersion = version;
  }
  return settings;
}

export interface RunningSandboxAgent {
  orgId: string;
  clusterId: string;
  clusterName: string;
  accountId: string;
  tokenSha256: string;
  /** The release it runs (its Deployment's image tag). */
  version: string;
  agent: Agent;
}

interface Running extends RunningSandboxAgent {
  /** Kept for the pod a rollout starts: the Secret is the same. */
  token: string;
  controller: AbortController;
  done: Promise<void>;
}

/** Who issues the sandbox agents' tokens, in the AgentToken item and the audit chain. */
export const sandboxAgentIssuer = 'sandbox-agent-installer';

export class SandboxAgents {
  private readonly running = new Map<string, Running>();
  /** Clusters whose token was replaced by someone else: left alone until the stack restarts. */
  private readonly yielded = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly log: (message: string) => void;

  private readonly unsubscribe: () => void;

  constructor(private readonly options: SandboxAgentsOptions) {
    this.log = options.log ?? (() => {});
    this.unsubscribe = options.sandbox.kubernetes.writes.onAgentImage((cluster, image) => {
      // Not awaited: the patch returns to the agent, which posts its result while its pod stops.
      void this.rollOut(cluster, image);
    });
  }

  /** Starts the periodic reconciliation (the first pass runs at once). */
  start(): void {
    if (this.timer || this.stopped) return;
    const loop = () => {
      this.timer = setTimeout(async () => {
        await this.reconcile();
        this.karpenterTick();
        if (this.timer) loop();
      }, this.options.pollMs ?? 15_000);
      this.timer.unref();
    };
    void this.reconcile();
    loop();
  }

  /**
   * The sandbox's Karpenter of each cluster with an agent: pending pods get nodes from the NodePools
   * Spot Optimizer applied, empty ones go (ADR 0042). Runs with the supervisor's loop, so within one
   * poll interval of a pod going Pending.
   */
  karpenterTick(): void {
    const sandbox = this.options.sandbox;
    for (const agent of this.running.values()) {
      if (sandbox.kubernetes.writes.karpenterObjects(agent.clusterName).length === 0) continue;
      try {
        sandbox.kubernetes.karpenterTick(agent.clusterName, new Date(sandbox.now()));
      } catch (error) {
        this.log(
          `sandbox Karpenter of ${agent.clusterName}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  /** Stops the loop and every agent, and waits for pushes in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.reconciling;
    await Promise.all([...this.running.keys()].map((key) => this.stopAgent(key, 'stack stopping')));
  }

  /**
   * The agents in the sandbox cluster `clusterName` push a snapshot now, as if their period had come
   * round: a test that waits for "the next snapshot" asks for it instead of waiting out the period.
   */
  async pushNow(clusterName: string): Promise<{ clusterId: string; ok: boolean; status: number | null }[]> {
    const agents = [...this.running.values()].filter((a) => a.clusterName === clusterName);
    return Promise.all(
      agents.map(async (a) => {
        const outcome = await a.agent.snapshot();
        return { clusterId: a.clusterId, ok: outcome.ok, status: outcome.status };
      }),
    );
  }

  /** The agents running now. */
  list(): RunningSandboxAgent[] {
    return [...this.running.values()].map(({ controller: _c, done: _d, token: _t, ...rest }) => rest);
  }

  /**
   * Brings the running agents in line with the table. Calls made while a pass runs are folded into one
   * more pass after it, so a burst of finished discoveries costs at most two passes.
   */
  reconcile(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.reconciling) {
      this.again = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.again = false;
        try {
          await this.reconcileOnce();
        } catch (error) {
          this.log(`sandbox agents: ${error instanceof Error ? error.message : String(error)}`);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    // Imported here: the functions read their environment (table, endpoints) when first loaded.
    const { queryAll } = await import('@spot/functions/data/repository');
    const { allAccountsQuery, cloudAccountEntity } = await import(
      '@spot/functions/data/entities/cloud-account'
    );
    const { clustersOfAccountQuery } = await import('@spot/functions/data/entities/cluster');
    const sandboxAccounts = new Set(this.options.sandbox.accounts.map((a) => a.awsAccountId));
    const accounts = (await queryAll(cloudAccountEntity, allAccountsQuery)).filter(
      (a) => a.awsAccountId !== null && sandboxAccounts.has(a.awsAccountId),
    );
    const wanted = new Map<
      string,
      {
        orgId: string;
        accountId: string;
        clusterId: string;
        name: string;
        tokenSha256: string | null;
        /** False while the account is `scanning`: its discovery is still running. */
        installable: boolean;
      }
    >();
    for (const account of accounts) {
      const clusters = await clusterHeads(clustersOfAccountQuery(account.orgId, account.accountId));
      for (const c of clusters) {
        if (!c.hasHistory || !this.hasCluster(account.awsAccountId ?? '', c.region, c.name)) continue;
        wanted.set(keyOf(c.orgId, c.clusterId), {
          orgId: c.orgId,
          accountId: c.accountId,
          clusterId: c.clusterId,
          name: c.name,
          tokenSha256: c.agentTokenSha256,
          // New agents wait for the account's discovery to finish: their first snapshots would compete
          // with the rest of the first scan, which the person connecting the account is waiting for.
          installable: account.status !== 'scanning',
        });
      }
    }

    for (const [key, agent] of this.running) {
      const cluster = wanted.get(key);
      if (!cluster) await this.stopAgent(key, 'cluster removed or account disconnected');
      else if (cluster.tokenSha256 !== agent.tokenSha256) {
        this.yielded.add(key);
        await this.stopAgent(key, 'a new agent token was issued on the cluster page');
      }
    }
    let order = 0;
    for (const [key, cluster] of wanted) {
      if (!cluster.installable || this.running.has(key) || this.yielded.has(key) || this.stopped) continue;
      await this.startAgent(cluster, order++);
    }
  }

  private hasCluster(awsAccountId: string, region: string, name: string): boolean {
    return this.options.sandbox.world.clusters.some(
      (c) => c.awsAccountId === awsAccountId && c.region === region && c.name === name,
    );
  }

  private async startAgent(
    cluster: { orgId: string; accountId: string; clusterId: string; name: string },
    order: number,
  ): Promise<void> {
    const { issueAgentToken } = await import('@spot/functions/domain/clusters');
    const { appendAudit } = await import('@spot/functions/domain/audit');
    const now = new Date();
    const issued = await issueAgentToken(cluster.orgId, cluster.clusterId, sandboxAgentIssuer, now);
    // What the route's handler records for a person, recorded here for the installer.
    await appendAudit(
      cluster.orgId,
      {
        actorType: 'system',
        actorId: null,
        actorName: 'Sandbox agent installer',
        action: 'cluster.agent-token.issue',
        resourceType: 'cluster',
        target: `cluster/${cluster.clusterId}`,
        accountId: cluster.accountId,
        outcome: 'success',
        after: issued.audit.after,
        sourceIp: null,
        userAgent: null,
        requestId: null,
      },
      now,
    );
    const token = issued.body.token;
    const { createHash } = await import('node:crypto');
    const tokenSha256 = createHash('sha256').update(token).digest('hex');
    // `helm install`: the agent's Deployment, at the configured release (one already there is kept).
    const deployment = this.options.sandbox.kubernetes.writes.installAgentDeployment(cluster.name, {
      ...defaultAgentDeployment,
      image: `${sandboxAgentImageRepository}:${this.options.agentVersion ?? agentVersion}`,
      annotations: {},
    });
    this.launch(
      {
        orgId: cluster.orgId,
        clusterId: cluster.clusterId,
        clusterName: cluster.name,
        accountId: cluster.accountId,
        tokenSha256,
        token,
        version: imageRelease(deployment.image),
      },
      order * (this.options.staggerMs ?? 2_000),
    );
    this.log(`sandbox agent installed in ${cluster.name} (${cluster.clusterId})`);
  }

  /** Starts the agent (the pod) of one cluster at `version`, after `delayMs`. */
  private launch(a: Omit<RunningSandboxAgent, 'agent'> & { token: string }, delayMs: number): void {
    const config: AgentConfig = {
      apiUrl: this.options.apiUrl.replace(/\/+$/, ''),
      token: a.token,
      clusterName: a.clusterName,
      snapshotIntervalMs: this.options.snapshotIntervalMs ?? 300_000,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 30_000,
      healthPort: 0,
      kubeconfig: undefined,
      writeMode: this.options.writeMode ?? true,
      commandPollIntervalMs: this.options.commandPollMs ?? 15_000,
      version: a.version,
      deployment: defaultAgentDeployment,
    };
    const sandbox = this.options.sandbox;
    const name = a.clusterName;
    const key = keyOf(a.orgId, a.clusterId);
    const controller = new AbortController();
    const agent = new Agent(config, {
      // What its service account may list (ADR 0070): a list taken away is refused, as in a real cluster.
      collect: async (): Promise<ClusterSnapshot> =>
        readableSnapshot(
          sandbox.rbac,
          name,
          'agent',
          sandbox.kubernetes.snapshotAt(name, new Date(sandbox.now())),
        ),
      fetch: this.options.fetch ?? globalThis.fetch,
      now: () => new Date(),
      sleep: abortableSleep,
      executor: sandboxExecutor(sandbox, name, { writeMode: config.writeMode }),
      checkPermissions: sandboxAgentPermissionCheck(sandbox.rbac, name, () => new Date(sandbox.now())),
      log: (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
        // Routine pushes stay quiet; what needs attention is shown.
        if (level === 'info') return;
        this.log(`sandbox agent ${name}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
        if (fields?.status === 401 || fields?.status === 404) void this.reconcile();
      },
    });
    const done = abortableSleep(delayMs, controller.signal)
      .then(() => agent.run(controller.signal))
      .catch((error: unknown) =>
        this.log(`sandbox agent ${name} stopped: ${error instanceof Error ? error.message : String(error)}`),
      );
    this.running.set(key, { ...a, agent, controller, done });
  }

  /**
   * The Deployment controller's rollout after `upgrade-agent` set a new image: each agent of the cluster
   * that runs another release stops (its command loop finishes the poll under way, so the result is
   * posted), then the image's release starts with the same token. An agent stopped or replaced meanwhile
   * (its cluster removed, a new token) is not started again.
   */
  private async rollOut(clusterName: string, image: string): Promise<void> {
    const version = imageRelease(image);
    for (const [key, old] of [...this.running]) {
      if (old.clusterName !== clusterName || old.version === version) continue;
      old.controller.abort();
      await old.done;
      if (this.stopped || this.running.get(key) !== old) continue;
      const { agent: _agent, controller: _c, done: _d, ...rest } = old;
      this.launch({ ...rest, version }, 0);
      this.log(`sandbox agent of ${clusterName} rolled out ${version}`);
    }
  }

  private async stopAgent(key: string, why: string): Promise<void> {
    const agent = this.running.get(key);
    if (!agent) return;
    this.running.delete(key);
    agent.controller.abort();
    await agent.done;
    this.log(`sandbox agent of ${agent.clusterName} stopped: ${why}`);
  }
}

const keyOf = (orgId: string, clusterId: string) => `${orgId}/${clusterId}`;

interface ClusterHead {
  orgId: string;
  accountId: string;
  clusterId: string;
  name: string;
  region: string;
  hasHistory: boolean;
  agentTokenSha256: string | null;
}

/**
 * The fields the supervisor needs of an account's clusters, projected: a Cluster item carries its whole
 * summary (tens of KB), and this runs every 15 s on the developer's machine.
 */
async function clusterHeads(q: KeyQuery): Promise<ClusterHead[]> {
  const { queryRaw } = await import('@spot/functions/data/repository');
  const items = await queryRaw(q, {
    projection: ['orgId', 'accountId', 'clusterId', 'name', 'region', 'history', 'agentTokenSha256'],
  });
  return items.map((item) => ({
    orgId: String(item.orgId ?? ''),
    accountId: String(item.accountId ?? ''),
    clusterId: String(item.clusterId ?? ''),
    name: String(item.name ?? ''),
    region: String(item.region ?? ''),
    // `history` is a map once back-filled, null (or absent) before.
    hasHistory: typeof item.history === 'object' && item.history !== null,
    agentTokenSha256: typeof item.agentTokenSha256 === 'string' ? item.agentTokenSha256 : null,
  }));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref?.();
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * `POST /sandbox/clusters/{name}/agent-snapshot`: the agent running in that sandbox cluster pushes a
 * snapshot now (`SandboxAgents.pushNow`). 404 when no agent runs there (not yet collected, or agents off).
 */
export function sandboxAgentSnapshotRoute(agents: () => SandboxAgents | undefined): ExtraRoute {
  return {
    method: 'POST',
    path: '/sandbox/clusters/{name}/agent-snapshot',
    handler: async (event) => {
      const name = event.pathParameters?.name ?? '';
      const pushed = (await agents()?.pushNow(name)) ?? [];
      if (!pushed.length)
        return {
          statusCode: 404,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            message: `No sandbox agent runs in ${name}: agents start after a cluster's first collection.`,
          }),
        };
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pushed }),
      };
    },
  };
}
