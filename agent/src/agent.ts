import type { AgentPermissionReport } from '@spot/shared/model/cluster-onboarding';
import type { ClusterSnapshot } from '@spot/shared/model/cluster-snapshot';
import { CommandRunner, type KubernetesExecutor } from './commands';
import { type AgentConfig, agentVersion } from './config';
import { missingPermissions } from './permissions';

/**
 * The agent's loop: a snapshot every `snapshotIntervalMs` (it counts as a heartbeat too) and a heartbeat
 * every `heartbeatIntervalMs` in between, both to `POST <api>/api/ingest/snapshots` with the cluster's
 * token. A failed push is retried with exponential backoff (5 s doubling up to 5 minutes); a refused token
 * (401) or cluster (403/404) is logged with what to do and retried at the slow pace, since a new token
 * may be put in the Secret meanwhile. In write mode (off by default) a second loop polls the cluster's
 * commands every `commandPollIntervalMs` and runs them ({@link CommandRunner}, ADR 0037). Before each
 * snapshot the agent checks its own Kubernetes permissions (`checkPermissions`, ADR 0070) and sends the
 * last report with every push, so the Add Cluster wizard can name what its ClusterRole lacks. A heartbeat
 * answered with `snapshotRequested` (Sync Now on the cluster page, ADR 0076) brings the next snapshot
 * forward to now: a read, so it works in read-only mode too.
 */

export const ingestPath = '/api/ingest/snapshots';
const minBackoffMs = 5_000;
const maxBackoffMs = 5 * 60_000;
const requestTimeoutMs = 30_000;

export type LogLevel = 'info' | 'warn' | 'error';

export interface AgentDeps {
  collect(): Promise<ClusterSnapshot>;
  fetch: typeof fetch;
  now(): Date;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  /** What runs the commands in write mode (the Kubernetes API, or the sandbox's model). */
  executor?: KubernetesExecutor;
  /** SelfSubjectAccessReviews of the agent's own permissions (`permissions.ts`); none: nothing reported. */
  checkPermissions?(): Promise<AgentPermissionReport>;
}

export interface PushOutcome {
  ok: boolean;
  status: number | null;
  message?: string;
  /** The cluster could not be read: nothing was pushed. */
  collectFailed?: boolean;
  /** The heartbeat's answer asks for a snapshot now (Sync Now on the cluster page, ADR 0076). */
  snapshotRequested?: boolean;
}

export interface AgentState {
  lastSuccessAt: Date | null;
  lastSnapshotAt: Date | null;
  consecutiveFailures: number;
}

export class Agent {
  readonly state: AgentState = { lastSuccessAt: null, lastSnapshotAt: null, consecutiveFailures: 0 };
  /** Set in write mode. */
  readonly commands: CommandRunner | null;
  /** The last report of the agent's own permissions, sent with every push; `null` until one succeeds. */
  permissions: AgentPermissionReport | null = null;
  /** The release this agent runs, as its pushes report it. */
  readonly version: string;

  constructor(
    private readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    this.version = config.version ?? agentVersion;
    if (config.writeMode && !deps.executor)
      throw new Error('Write mode needs a Kubernetes executor to run the commands.');
    this.commands =
      config.writeMode && deps.executor
        ? new CommandRunner(
            {
              apiUrl: config.apiUrl,
              token: config.token,
              writeMode: true,
              version: this.version,
              ...(config.deployment ? { deployment: config.deployment } : {}),
            },
            { executor: deps.executor, fetch: deps.fetch, log: deps.log },
          )
        : null;
  }

  heartbeat(): Promise<PushOutcome> {
    return this.post({
      kind: 'heartbeat',
      agentVersion: this.version,
      sentAt: this.deps.now().toISOString(),
      ...this.permissionsField(),
    });
  }

  private permissionsField(): { permissions?: AgentPermissionReport } {
    return this.permissions ? { permissions: this.permissions } : {};
  }

  /**
   * Asks the API server what the agent may do, and logs each missing permission with the rule to add. A
   * check that fails (the review itself refused or not answered) keeps the last report: "could not ask"
   * is not "denied".
   */
  async checkPermissions(): Promise<AgentPermissionReport | null> {
    if (!this.deps.checkPermissions) return null;
    try {
      this.permissions = await this.deps.checkPermissions();
    } catch (error) {
      this.deps.log('warn', 'could not check the Kubernetes permissions', {
        error: error instanceof Error ? error.message : String(error),
      });
      return this.permissions;
    }
    for (const missing of missingPermissions(this.permissions))
      this.deps.log('error', `missing Kubernetes permission: ${missing.name}`, {
        fix: `add to the agent's ClusterRole rules:\n${missing.fix}`,
      });
    return this.permissions;
  }

  async snapshot(): Promise<PushOutcome> {
    await this.checkPermissions();
    let snapshot: ClusterSnapshot;
    try {
      snapshot = await this.deps.collect();
    } catch (error) {
      this.deps.log('error', 'could not read the cluster', {
        error: error instanceof Error ? error.message : String(error),
      });
      return { ok: false, status: null, collectFailed: true };
    }
    const outcome = await this.post({
      kind: 'snapshot',
      agentVersion: this.version,
      snapshot,
      ...this.permissionsField(),
    });
    if (outcome.ok) this.state.lastSnapshotAt = this.deps.now();
    return outcome;
  }

  /** Runs until `signal` aborts: pushes, and in write mode the command loop beside them. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.pushLoop(signal), this.commandLoop(signal)]);
  }

  /** Polls commands every `commandPollIntervalMs`; backs off like the pushes when Spot Optimizer fails. */
  private async commandLoop(signal: AbortSignal): Promise<void> {
    const runner = this.commands;
    if (!runner) return;
    let failures = 0;
    while (!signal.aborted) {
      const outcome = await runner.pollOnce();
      failures = outcome.ok ? 0 : failures + 1;
      const refused = outcome.status === 401 || outcome.status === 403 || outcome.status === 404;
      const wait = outcome.ok
        ? this.config.commandPollIntervalMs
        : refused
          ? maxBackoffMs
          : Math.min(
              maxBackoffMs,
              Math.max(this.config.commandPollIntervalMs, minBackoffMs * 2 ** (failures - 1)),
            );
      await this.deps.sleep(wait, signal);
    }
  }

  private async pushLoop(signal: AbortSignal): Promise<void> {
    let nextSnapshot = 0;
    let nextHeartbeat = 0;
    while (!signal.aborted) {
      const now = this.deps.now().getTime();
      let outcome: PushOutcome | null = null;
      if (now >= nextSnapshot) {
        outcome = await this.snapshot();
        // Reading the cluster failed: the heartbeat still tells Spot Optimizer the agent runs.
        if (outcome.collectFailed) outcome = await this.heartbeat();
      } else if (now >= nextHeartbeat) {
        outcome = await this.heartbeat();
      }
      if (outcome) {
        const after = this.deps.now().getTime();
        if (outcome.ok) {
          this.state.consecutiveFailures = 0;
          nextHeartbeat = after + this.config.heartbeatIntervalMs;
          if (now >= nextSnapshot) nextSnapshot = after + this.config.snapshotIntervalMs;
          // Someone pressed Sync Now: the snapshot goes now, and its period starts again from it.
          if (outcome.snapshotRequested) nextSnapshot = after;
        } else {
          this.state.consecutiveFailures += 1;
          const refused = outcome.status === 401 || outcome.status === 403 || outcome.status === 404;
          const backoff = refused
            ? maxBackoffMs
            : Math.min(maxBackoffMs, minBackoffMs * 2 ** (this.state.consecutiveFailures - 1));
          nextHeartbeat = after + backoff;
          if (now >= nextSnapshot) nextSnapshot = after + backoff;
        }
      }
      const wait = Math.max(0, Math.min(nextSnapshot, nextHeartbeat) - this.deps.now().getTime());
      await this.deps.sleep(wait, signal);
    }
  }

  private async post(body: Record<string, unknown>): Promise<PushOutcome> {
    const url = `${this.config.apiUrl}${ingestPath}`;
    let response: Response;
    try {
      response = await this.deps.fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.config.token}`,
          'content-type': 'application/json',
          'user-agent': `spot-optimizer-agent/${this.version}`,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (error) {
      this.deps.log('warn', 'push failed: Spot Optimizer not reachable', {
        kind: body.kind,
        error: error instanceof Error ? error.message : String(error),
      });
      return { ok: false, status: null };
    }
    const text = await response.text();
    let message: string | undefined;
    let snapshotRequested = false;
    try {
      const parsed = JSON.parse(text) as { message?: string; snapshotRequested?: unknown };
      message = parsed.message;
      snapshotRequested = parsed.snapshotRequested === true;
    } catch {
      message = undefined;
    }
    if (response.ok) {
      this.state.lastSuccessAt = this.deps.now();
      this.deps.log('info', `${body.kind} accepted`, {
        status: response.status,
        ...(snapshotRequested ? { snapshotRequested } : {}),
      });
      return { ok: true, status: response.status, ...(snapshotRequested ? { snapshotRequested } : {}) };
    }
    const hint =
      response.status === 401
        ? 'The agent token was refused: issue a new one on the cluster page and update the Secret.'
        : response.status === 403 || response.status === 404
          ? 'This token belongs to another cluster, or the cluster was removed: check SPOT_CLUSTER_NAME and the token.'
          : undefined;
    this.deps.log(response.status >= 500 ? 'warn' : 'error', `${body.kind} refused`, {
      status: response.status,
      message,
      ...(hint ? { hint } : {}),
    });
    return { ok: false, status: response.status, ...(message ? { message } : {}) };
  }
}
