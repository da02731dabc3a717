import { carriesSpotOptimizerMark, managedByKey } from '@spot/shared/karpenter/marker';
import {
  type AgentCommandOutcome,
  type AgentCommandSpec,
  type AgentExemptions,
  agentCommandsResponseSchema,
  exemptionOf,
  type KarpenterManifest,
} from '@spot/shared/model/agent-command';
import { agentHelmUpgradeCommand } from '@spot/shared/model/cluster-onboarding';
import { type AgentDeployment, agentVersion, defaultAgentDeployment } from './config';

/**
 * The agent's write mode (issue 14, ADR 0037): it polls `GET /api/agent/commands` with its cluster token,
 * runs each command once through a {@link KubernetesExecutor} and posts the outcome to
 * `POST /api/agent/commands/{id}/result`. It refuses what write mode, its RBAC or the policy's exemptions
 * forbid; an eviction a PodDisruptionBudget blocks (HTTP 429) is the outcome `wait`, not a failure.
 *
 * Idempotency: the server leases a command to one poll at a time and never hands out one with a result;
 * the agent also remembers the outcome of every command id it ran (the last 1,000), so a command
 * delivered again (its result POST was lost, the lease ran out) is reported again and never run twice.
 * After a restart that memory is gone: an eviction of a pod already evicted finds it gone (succeeded),
 * a cordon or a patch is the same write again.
 */

export const commandsPath = '/api/agent/commands';
const requestTimeoutMs = 30_000;
const rememberedCommands = 1_000;

export type PatchWorkloadCommand = Extract<AgentCommandSpec, { type: 'patch-workload' }>;

/** The Kubernetes writes of the commands; the real one uses the API server, the sandbox its model. */
export interface KubernetesExecutor {
  setUnschedulable(node: string, unschedulable: boolean): Promise<void>;
  /** The pod's labels, or `null` when it does not exist (any more). */
  podLabels(namespace: string, pod: string): Promise<Record<string, string> | null>;
  /** `blocked`: the eviction API answered 429 (a PodDisruptionBudget allows no disruption now). */
  evict(
    namespace: string,
    pod: string,
  ): Promise<{ outcome: 'evicted' | 'blocked' | 'gone'; message?: string }>;
  /** The labels of the workload's pod template, or `null` when the workload does not exist. */
  workloadTemplateLabels(
    kind: PatchWorkloadCommand['kind'],
    namespace: string,
    name: string,
  ): Promise<Record<string, string> | null>;
  /** Patches requests/limits and scheduling fields of the pod template: the controller rolls the pods. */
  patchWorkload(command: PatchWorkloadCommand): Promise<void>;
  /** Server-side apply (field manager `spot-optimizer`) of a NodePool or EC2NodeClass. */
  applyKarpenter(manifest: KarpenterManifest): Promise<void>;
  /** The labels of a live NodePool or EC2NodeClass, or `null` when it does not exist. */
  karpenterObjectLabels(kind: KarpenterKind, name: string): Promise<Record<string, string> | null>;
  /** Deletes a NodePool (Karpenter drains and terminates its nodes) or an EC2NodeClass. */
  deleteKarpenter(kind: KarpenterKind, name: string): Promise<void>;
  /**
   * Deletes a Node object that Karpenter owns (label `karpenter.sh/nodepool`): its finalizer drains and
   * terminates the instance. `not-karpenter`: nothing deleted (an ASG would launch a replacement).
   */
  deleteNode(node: string): Promise<'deleted' | 'gone' | 'not-karpenter'>;
  /**
   * The agent's own Deployment: the image of its `agent` container and the Deployment's annotations, or
   * `null` when it does not exist (ADR 0085).
   */
  agentDeployment(
    deployment: AgentDeployment,
  ): Promise<{ image: string; annotations: Record<string, string> } | null>;
  /**
   * Sets the image of the Deployment's `agent` container and adds annotations to the Deployment (one
   * strategic merge patch: containers merge by name); its controller then replaces the agent's pod.
   */
  setAgentImage(
    deployment: AgentDeployment,
    image: string,
    annotations: Record<string, string>,
  ): Promise<void>;
}

/** The Deployment annotations recording an upgrade Spot Optimizer made, so `kubectl describe` tells it. */
export const agentUpgradeAnnotations = {
  version: 'spot-optimizer.io/agent-upgraded-to',
  from: 'spot-optimizer.io/agent-upgraded-from',
  command: 'spot-optimizer.io/agent-upgrade-command',
} as const;

/**
 * The repository of an image reference without its tag or digest: `ghcr.io:443/a/b:0.1.0@sha256:…` ->
 * `ghcr.io:443/a/b` (a colon in the registry's host is a port, not a tag).
 */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

export type KarpenterKind = KarpenterManifest['kind'];

/** The API server refused the call (401/403): the agent's RBAC does not allow it. */
export class KubernetesForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubernetesForbiddenError';
  }
}

export interface CommandResult {
  outcome: AgentCommandOutcome;
  reason: string | null;
}

export interface CommandRunnerConfig {
  apiUrl: string;
  token: string;
  writeMode: boolean;
  /** The release this agent runs (default: the image's {@link agentVersion}). */
  version?: string;
  /** The agent's own Deployment (default: the plain manifest's). */
  deployment?: AgentDeployment;
}

export interface CommandRunnerDeps {
  executor: KubernetesExecutor;
  fetch: typeof fetch;
  log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
}

export interface PollOutcome {
  ok: boolean;
  status: number | null;
  ran: number;
  reported: number;
}

const rbacHint =
  'Install the agent with write mode (Helm value writeMode.enabled=true, or agent/manifests/write-rbac.yaml with SPOT_WRITE_MODE=true).';

const notOurs = (kind: string, name: string) =>
  `${kind} ${name} has no ${managedByKey} label: it is not Spot Optimizer's, and the agent never changes or deletes it`;

export class CommandRunner {
  /** Outcomes of the command ids this agent ran, oldest first (a Map keeps insertion order). */
  private readonly executed = new Map<string, CommandResult>();

  constructor(
    private readonly config: CommandRunnerConfig,
    private readonly deps: CommandRunnerDeps,
  ) {}

  /** Whether this agent ran the command (and what came of it). */
  resultOf(commandId: string): CommandResult | undefined {
    return this.executed.get(commandId);
  }

  /** One poll: fetch, run each command once, report each outcome. */
  async pollOnce(): Promise<PollOutcome> {
    if (!this.config.writeMode) return { ok: true, status: null, ran: 0, reported: 0 };
    const response = await this.request('GET', commandsPath);
    if (!response?.ok) {
      return { ok: false, status: response?.status ?? null, ran: 0, reported: 0 };
    }
    const parsed = agentCommandsResponseSchema.safeParse(await response.json().catch(() => null));
    if (!parsed.success) {
      this.deps.log('error', 'commands answer not understood: is the agent older than Spot Optimizer?', {
        issue: parsed.error.issues[0]?.message,
      });
      return { ok: false, status: response.status, ran: 0, reported: 0 };
    }
    let ran = 0;
    let reported = 0;
    for (const { id, command } of parsed.data.commands) {
      let result = this.executed.get(id);
      if (!result) {
        const exemptions = parsed.data.exemptions;
        // Never without the exemption list: what the policy protects is not known.
        result = exemptions
          ? await this.execute(command, exemptions, parsed.data.maintenance, id)
          : { outcome: 'refused', reason: 'the answer carried no exemption list' };
        this.remember(id, result);
        ran++;
      }
      if (await this.report(id, result)) reported++;
    }
    return { ok: true, status: response.status, ran, reported };
  }

  /** Runs one command (no network to Spot Optimizer): what the agent's write mode, RBAC and exemptions allow. */
  async execute(
    command: AgentCommandSpec,
    exemptions: AgentExemptions,
    maintenance = false,
    id: string | null = null,
  ): Promise<CommandResult> {
    if (!this.config.writeMode)
      return { outcome: 'refused', reason: `the agent's write mode is off. ${rbacHint}` };
    if (maintenance) return { outcome: 'refused', reason: 'the cluster is in maintenance mode' };
    const x = this.deps.executor;
    try {
      switch (command.type) {
        case 'cordon':
        case 'uncordon':
          await x.setUnschedulable(command.node, command.type === 'cordon');
          return { outcome: 'succeeded', reason: null };
        case 'evict': {
          const labels = await x.podLabels(command.namespace, command.pod);
          if (labels === null) return { outcome: 'succeeded', reason: 'the pod was already gone' };
          const exempt = exemptionOf(exemptions, { namespace: command.namespace, labels });
          if (exempt)
            return { outcome: 'refused', reason: `pod ${command.namespace}/${command.pod}: ${exempt}` };
          const evicted = await x.evict(command.namespace, command.pod);
          if (evicted.outcome === 'blocked')
            return {
              outcome: 'wait',
              reason:
                evicted.message ??
                `a PodDisruptionBudget allows no disruption of ${command.namespace}/${command.pod} now`,
            };
          return {
            outcome: 'succeeded',
            reason: evicted.outcome === 'gone' ? 'the pod was already gone' : null,
          };
        }
        case 'patch-workload': {
          const labels = await x.workloadTemplateLabels(command.kind, command.namespace, command.name);
          const what = `${command.kind} ${command.namespace}/${command.name}`;
          if (labels === null) return { outcome: 'failed', reason: `${what} does not exist` };
          const exempt = exemptionOf(exemptions, { namespace: command.namespace, labels });
          if (exempt) return { outcome: 'refused', reason: `${what}: ${exempt}` };
          await x.patchWorkload(command);
          return { outcome: 'succeeded', reason: 'patched; the controller rolls the pods out' };
        }
        case 'apply-karpenter': {
          const { kind, metadata } = command.manifest;
          const labels = (metadata as { labels?: Record<string, string> }).labels ?? {};
          // An object Spot Optimizer renders as its own never takes over a live one the customer wrote.
          if (carriesSpotOptimizerMark(labels)) {
            const live = await x.karpenterObjectLabels(kind, metadata.name);
            if (live !== null && !carriesSpotOptimizerMark(live))
              return { outcome: 'refused', reason: notOurs(kind, metadata.name) };
          }
          await x.applyKarpenter(command.manifest);
          return { outcome: 'succeeded', reason: null };
        }
        case 'delete-karpenter': {
          const live = await x.karpenterObjectLabels(command.kind, command.name);
          if (live === null)
            return { outcome: 'succeeded', reason: `${command.kind} ${command.name} was already gone` };
          if (!carriesSpotOptimizerMark(live))
            return { outcome: 'refused', reason: notOurs(command.kind, command.name) };
          await x.deleteKarpenter(command.kind, command.name);
          return { outcome: 'succeeded', reason: null };
        }
        case 'delete-node': {
          const deleted = await x.deleteNode(command.node);
          if (deleted === 'not-karpenter')
            return {
              outcome: 'refused',
              reason: `node ${command.node} is not a Karpenter node (no karpenter.sh/nodepool label): only Karpenter nodes are deleted`,
            };
          return { outcome: 'succeeded', reason: deleted === 'gone' ? 'the node was already gone' : null };
        }
        case 'upgrade-agent':
          return await this.upgrade(command.version, id);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof KubernetesForbiddenError)
        return { outcome: 'refused', reason: `the agent's RBAC does not allow it (${message}). ${rbacHint}` };
      return { outcome: 'failed', reason: message.slice(0, 2000) || 'the Kubernetes API call failed' };
    }
  }

  /**
   * `upgrade-agent` (ADR 0085): the `agent` container of the agent's own Deployment gets the image
   * `<its repository>:<release>`, which its controller rolls out; the new pod's heartbeats report the
   * release. Already that image: nothing is patched (a retry, or the new pod receiving the command
   * again, never patches twice). Helm does not know of the change: the message says what keeps it.
   */
  private async upgrade(release: string, commandId: string | null): Promise<CommandResult> {
    const running = this.config.version ?? agentVersion;
    if (release === running) return { outcome: 'succeeded', reason: `already running ${release}` };
    const deployment = this.config.deployment ?? defaultAgentDeployment;
    const where = `Deployment ${deployment.namespace}/${deployment.name}`;
    const helm = agentHelmUpgradeCommand(this.config.apiUrl, release);
    let live: Awaited<ReturnType<KubernetesExecutor['agentDeployment']>>;
    let image = '';
    try {
      live = await this.deps.executor.agentDeployment(deployment);
      if (live === null)
        return {
          outcome: 'failed',
          reason: `the agent's ${where} does not exist (SPOT_AGENT_NAMESPACE, SPOT_AGENT_DEPLOYMENT); run: ${helm}`,
        };
      image = `${imageRepository(live.image)}:${release}`;
      if (live.image === image)
        return {
          outcome: 'succeeded',
          reason: `${where} already runs ${image}: the new pod's heartbeat will report ${release}`,
        };
      await this.deps.executor.setAgentImage(deployment, image, {
        [agentUpgradeAnnotations.version]: release,
        [agentUpgradeAnnotations.from]: live.image,
        ...(commandId ? { [agentUpgradeAnnotations.command]: commandId } : {}),
      });
    } catch (error) {
      if (!(error instanceof KubernetesForbiddenError)) throw error;
      return {
        outcome: 'refused',
        reason:
          `this agent (${running}) may not patch its own ${where} (${error.message}): it needs get and patch ` +
          `on deployments.apps named ${deployment.name} in ${deployment.namespace}, the Role write mode installs ` +
          `(Helm value writeMode.enabled=true, or agent/manifests/write-rbac.yaml). Or run: ${helm}`,
      };
    }
    return {
      outcome: 'succeeded',
      reason:
        `rolling out ${release} (${where} now names ${image}); the new pod's heartbeat will report it. ` +
        `Helm still records the previous image: upgrade the release with --set image.tag=${release}, ` +
        `or a later helm upgrade --reuse-values puts the old image back.`,
    };
  }

  private remember(id: string, result: CommandResult) {
    this.executed.set(id, result);
    while (this.executed.size > rememberedCommands) {
      const oldest = this.executed.keys().next().value;
      if (oldest === undefined) break;
      this.executed.delete(oldest);
    }
  }

  /** Posts one outcome; a 409 (another outcome is recorded) counts as reported: the server's stands. */
  private async report(id: string, result: CommandResult): Promise<boolean> {
    const response = await this.request('POST', `${commandsPath}/${encodeURIComponent(id)}/result`, {
      outcome: result.outcome,
      reason: result.reason,
    });
    if (response?.ok) {
      this.deps.log('info', 'command reported', { id, outcome: result.outcome });
      return true;
    }
    if (response?.status === 409) {
      this.deps.log('warn', 'command already has another result', { id, outcome: result.outcome });
      return true;
    }
    return false;
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response | null> {
    try {
      const response = await this.deps.fetch(`${this.config.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.config.token}`,
          'user-agent': `spot-optimizer-agent/${agentVersion}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      if (!response.ok)
        this.deps.log(
          response.status >= 500 ? 'warn' : 'error',
          `${method} ${path.split('/').slice(0, 4).join('/')} refused`,
          {
            status: response.status,
          },
        );
      return response;
    } catch (error) {
      this.deps.log('warn', 'Spot Optimizer not reachable for commands', {
        error: error instanceof Error ? error.message : String(error),
      });
      return null;
    }
  }
}
