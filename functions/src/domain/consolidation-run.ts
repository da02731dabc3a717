import { createHash, randomBytes } from 'node:crypto';
import {
  type AgentCommandInput,
  agentCanAct,
  CloudAccessError,
  ConflictError,
  type ConsolidationStartResponse,
  consolidationRunMaxNodes,
  isDomainError,
} from '@spot/shared';
import { leavingNodes, stoppedNodeStep } from '@spot/shared/hibernation/consolidation-stop';
import { lowerGroupMinimumsOf } from '@spot/shared/policy/merge';
import { liveNodeExemption, nodeObjectExemption } from '@spot/shared/savings/live-exemption';
import { type EvictedWorkload, workloadsNotRecovered } from '@spot/shared/savings/wave-recovery';
import { agentChannelEntity, agentChannelKey } from '../data/entities/agent-channel';
import {
  type ClusterAction,
  clusterActionEntity,
  clusterActionKey,
  doneActionsSinceQuery,
  openActionsQuery,
} from '../data/entities/cluster-action';
import { consolidationRunEntity, consolidationRunKey } from '../data/entities/consolidation-run';
import { nodeEntity, nodeKey } from '../data/entities/node';
import { nodeGroupEntity, nodeGroupKey } from '../data/entities/node-group';
import { clusterChildrenQuery } from '../data/entities/partitions';
import {
  cancelledConditions,
  getItem,
  isConditionalCheckFailed,
  putItem,
  queryAll,
  transactDelete,
  transactPut,
  transactWrite,
  updateItem,
  where,
} from '../data/repository';
import { port } from '../ports';
import type { EksCluster } from '../ports/cloud';
import { cloudTargetOf } from './accounts-connect';
import {
  AgentUnavailableError,
  CommandExemptError,
  enqueueAgentCommands,
  getAgentCommand,
  maxCommandsPerEnqueue,
} from './agent-commands';
import { appendAudit } from './audit';
import { withStoredKubeconfig } from './cluster-kubeconfig';
import { realizedSavingAdd } from './cluster-registry-row';
import { loadCluster } from './clusters';
import { planClusterConsolidation } from './consolidation';
import { type BillScope, groupHourlyBillUsd } from './consolidation-bill';
import { assertNotHibernating, ClusterHibernatingError } from './consolidation-hibernation';
import { groupMinimumsOf, minimumDriftOf, recordMinimumSet } from './group-minimum-drift';
import { MaintenanceModeError, maintenanceOf } from './maintenance';
import { effectivePolicyOf } from './policy-effective';

/**
 * A consolidation run (issue 14, ADR 0040): the `consolidation` workflow executes the plan of
 * `planClusterConsolidation` node by node. The start writes the run and one open ClusterAction per node
 * (`pending`); the workflow then calls {@link advanceConsolidationRun} every few seconds until it answers
 * `done`. Each call first checks maintenance mode and hibernation (asleep or mid-transition), then moves every node of the lowest open wave one step:
 * pending → cordon + evictions enqueued (`draining`) → every eviction succeeded → terminated through the
 * node's owner → closed with the realized saving. A blocked eviction, a drain past the timeout or a
 * termination the cloud skips uncordons the node and closes its action with the reason; maintenance mode,
 * hibernation or an agent that cannot take commands stops the whole run, each open action closed with why.
 */

/** The system actor of the optimizer's own audit records. */
const optimizer = { actorType: 'system', actorId: null, actorName: 'system: optimizer' } as const;
/** How long a node may take to drain (PDB waits included) before the step gives up and uncordons it. */
export const drainTimeoutMs = 15 * 60_000;
/**
 * How long the next wave waits for the workloads the previous one evicted from to be whole again: a
 * replacement pod starts in seconds to a few minutes; one still not ready after this will not be soon.
 */
export const waveRecoveryTimeoutMs = 10 * 60_000;
/** A month of hours, as every monthly figure of the product counts it. */
const hoursPerMonth = 730;
/** At most this many node steps per run: they are written in one transaction with the run. */
const maxStepsPerRun = consolidationRunMaxNodes;
/** Pods whose eviction would only bring them back on the same node (the agent would refuse them). */
const notEvicted = new Set(['DaemonSet', 'Node']);

export class ConsolidationRunningError extends ConflictError {
  constructor(runId: string) {
    super(
      'CONSOLIDATION_RUNNING',
      `Consolidation run ${runId} is still in progress on this cluster: follow it in the Activity view and start another once it has finished.`,
      { details: { runId } },
    );
  }
}

/**
 * The run was stopped by someone else while this step ran (a hibernation sleep starting, ADR 0089): thrown
 * by the re-check right before each act on the cluster or the cloud, and by the write of a step the stop
 * closed meanwhile; the step then acts no further.
 */
export class ConsolidationRunStoppedError extends ConflictError {
  constructor(runId: string, reason: string | null) {
    super(
      'CONSOLIDATION_STOPPED',
      reason ?? `Consolidation run ${runId} was stopped while its step ran: it acts no further.`,
      { details: { runId } },
    );
    this.name = 'ConsolidationRunStoppedError';
  }
}

export const newRunId = (now: Date) =>
  `cr-${now.toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(4).toString('hex')}`;
/** Command ids are at most 100 characters: pod names are hashed, never spelled out. */
const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
export const evictionId = (actionId: string, pod: string, attempt: number) =>
  `${actionId}:evict:${shortHash(pod)}:${attempt}`;

/**
 * Starts a run: plans, writes the run and its node steps (one transaction, on the condition that no run is
 * in progress), then starts the workflow execution named after the run (a duplicate start is a no-op).
 */
export async function startConsolidationRun(
  orgId: string,
  clusterId: string,
  actor: { email: string },
  now: Date,
): Promise<{ response: ConsolidationStartResponse; accountId: string }> {
  const cluster = await loadCluster(orgId, clusterId);
  const maintenance = await maintenanceOf(orgId, clusterId, true);
  if (maintenance.enabled) throw new MaintenanceModeError(clusterId, maintenance);
  await assertNotHibernating(orgId, clusterId, now);
  const current = await getItem(consolidationRunEntity, consolidationRunKey(orgId, clusterId), true);
  if (current?.state === 'running') throw new ConsolidationRunningError(current.runId);
  const plan = await planClusterConsolidation(orgId, clusterId, now);
  if (plan.steps.length === 0) {
    throw new ConflictError(
      'CONSOLIDATION_NOTHING_TO_DO',
      'The plan removes no node of this cluster: preview it with dryRun: true to see what stays and why.',
    );
  }
  // A run needs the agent to cordon and evict: refused up front rather than started to stop at once.
  await assertAgentCanAct(orgId, clusterId, now);
  const steps = plan.steps.slice(0, maxStepsPerRun);
  const groupNames = new Map(
    (await queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, clusterId, 'NODEGROUP'))).map((g) => [
      g.nodeGroupId,
      g.name,
    ]),
  );
  const billScopeOf = (s: (typeof steps)[number]): BillScope | null =>
    s.termination === 'karpenter-delete-node'
      ? { kind: 'nodepool', name: groupNames.get(s.nodeGroupId) ?? s.nodeGroupId }
      : s.autoScalingGroupName
        ? { kind: 'asg', name: s.autoScalingGroupName }
        : null;
  // Node group takeover (ADR 0067): each node of a group whose minimum the plan lowers carries the
  // lowest minimum allowed; the minimum is lowered right before the termination that needs it.
  const minimumChanges = new Map(plan.minimumChanges.map((c) => [c.nodeGroupId, c]));
  const groupMinimumOf = (s: (typeof steps)[number]): ClusterAction['groupMinimum'] => {
    const c = minimumChanges.get(s.nodeGroupId);
    return c && s.termination === 'asg-terminate-decrement'
      ? {
          lowerTo: c.toMinSize,
          nodeGroupName: c.name,
          kind: c.nodeGroupKind,
          autoScalingGroupName: c.autoScalingGroupName,
        }
      : null;
  };
  const runId = newRunId(now);
  const startedAt = now.toISOString();
  const actions: ClusterAction[] = steps.map((s, i) => ({
    orgId,
    clusterId,
    actionId: `${runId}-n${i}`,
    runId,
    kind: s.kind === 'replace' ? 'replace-node' : 'remove-node',
    node: s.node,
    instanceId: s.instanceId,
    instanceType: s.instanceType,
    nodeGroupId: s.nodeGroupId,
    state: 'pending',
    result: null,
    predictedMonthlySavingUsd: s.monthlySavingUsd,
    realizedMonthlySavingUsd: null,
    startedAt,
    finishedAt: null,
    wave: s.wave,
    termination: s.termination,
    hourlySavingUsd: s.hourlySavingUsd,
    drainStartedAt: null,
    evictions: [],
    billScope: billScopeOf(s),
    billBeforeHourlyUsd: null,
    terminatingAt: null,
    groupMinimum: groupMinimumOf(s),
  }));
  try {
    await transactWrite([
      transactPut(
        consolidationRunEntity,
        {
          orgId,
          clusterId,
          accountId: cluster.accountId,
          runId,
          state: 'running',
          startedBy: actor.email,
          startedAt,
          finishedAt: null,
          reason: null,
          executionArn: null,
        },
        where.or(where.itemNotExists(), where.ne('state', 'running')),
      ),
      ...actions.map((a) => transactPut(clusterActionEntity, a)),
    ]);
  } catch (error) {
    const raced = await getItem(consolidationRunEntity, consolidationRunKey(orgId, clusterId), true);
    if (raced?.state === 'running') throw new ConsolidationRunningError(raced.runId);
    throw error;
  }
  const { executionArn } = await port('workflows').startExecution(
    'consolidation',
    { orgId, clusterId, runId },
    runId,
  );
  await putItem(consolidationRunEntity, {
    orgId,
    clusterId,
    accountId: cluster.accountId,
    runId,
    state: 'running',
    startedBy: actor.email,
    startedAt,
    finishedAt: null,
    reason: null,
    executionArn,
  });
  return {
    response: {
      clusterId,
      dryRun: false,
      runId,
      nodes: actions.length,
      waves: new Set(steps.map((s) => s.wave)).size,
      predictedMonthlySavingUsd: steps.reduce((sum, s) => sum + s.monthlySavingUsd, 0),
    },
    accountId: cluster.accountId,
  };
}

// ------------------------------------------------------------------------------------------- steps

/** Throws {@link AgentUnavailableError} when the cluster's agent has not polled in write mode lately. */
async function assertAgentCanAct(orgId: string, clusterId: string, now: Date): Promise<void> {
  const channel = await getItem(agentChannelEntity, agentChannelKey(orgId, clusterId), true);
  const lastPollAt = channel?.lastPollAt ?? null;
  if (!agentCanAct(lastPollAt, now)) throw new AgentUnavailableError(clusterId, lastPollAt);
}

interface RunContext {
  orgId: string;
  clusterId: string;
  runId: string;
  now: Date;
  /**
   * The actions terminated in this step, by bill scope, latest last: a later termination in the same
   * scope closes the earlier one's measurement window (its bill before is the earlier one's bill after).
   */
  terminatedThisStep?: Map<string, ClusterAction>;
  /**
   * By bill scope, the Karpenter node whose delete-node is out: the agent deletes it after every read of
   * the step that asked, so a second node of the same NodePool is deleted only once that one's bill drop
   * was read (otherwise each would measure both drops).
   */
  deletingIn?: Map<string, ClusterAction>;
  /** The cluster item, read once per step ({@link clusterOf}). */
  cluster?: ReturnType<typeof loadCluster>;
}

/**
 * The cluster item, read at most once per step: what the step takes from it (name, region, account,
 * endpoint) does not change within one, while the policy, maintenance and hibernation are read afresh
 * at each check.
 */
function clusterOf(ctx: RunContext): ReturnType<typeof loadCluster> {
  ctx.cluster ??= loadCluster(ctx.orgId, ctx.clusterId);
  return ctx.cluster;
}

const scopeKey = (scope: ClusterAction['billScope']) => (scope ? `${scope.kind}/${scope.name}` : null);

/**
 * Records `billBefore` (read right before `action`'s termination) as the bill after the termination of
 * the node of the same group terminated earlier in this step, then notes `action` as the latest. For
 * ASG terminations, which take the instance out of the bill at once; a Karpenter node goes when the agent
 * deletes it, after every read of this step, so its NodePool's next node waits instead (`deletingIn`).
 */
async function noteTermination(ctx: RunContext, action: ClusterAction, billBefore: number | null) {
  const key = scopeKey(action.billScope);
  if (key === null || !ctx.terminatedThisStep) return;
  const earlier = ctx.terminatedThisStep.get(key);
  if (earlier && billBefore !== null) {
    await replaceOpen(earlier, { billAfterHourlyUsd: billBefore });
  }
  ctx.terminatedThisStep.set(key, action);
}

const openActionsOf = async ({ orgId, clusterId, runId }: RunContext) =>
  (await queryAll(clusterActionEntity, openActionsQuery(orgId, clusterId), { consistent: true })).filter(
    (a) => a.runId === runId,
  );

/**
 * Moves the action from its open key to its done key (one transaction), on the condition that it is still
 * open: a step and a stop racing never both close it (nor count its saving twice); the one that lost gets
 * {@link ConsolidationRunStoppedError}.
 */
async function closeAction(
  action: ClusterAction,
  state: 'done' | 'failed' | 'skipped',
  result: string,
  now: Date,
  realizedMonthlySavingUsd: number | null = null,
): Promise<void> {
  try {
    await writeClosed(action, state, result, now, realizedMonthlySavingUsd);
  } catch (error) {
    if (!cancelledConditions(error)?.[0]) throw error;
    throw new ConsolidationRunStoppedError(action.runId, null);
  }
}

async function writeClosed(
  action: ClusterAction,
  state: 'done' | 'failed' | 'skipped',
  result: string,
  now: Date,
  realizedMonthlySavingUsd: number | null,
): Promise<void> {
  await transactWrite([
    transactDelete(clusterActionKey(action), where.itemExists()),
    transactPut(clusterActionEntity, {
      ...action,
      state,
      result,
      realizedMonthlySavingUsd,
      finishedAt: now.toISOString(),
    }),
    // The registry's "% savings achieved" counts it (ADR 0053), in the same transaction.
    ...(state === 'done' && realizedMonthlySavingUsd !== null && realizedMonthlySavingUsd > 0
      ? realizedSavingAdd(action, realizedMonthlySavingUsd)
      : []),
  ]);
}

/** Asks the agent to uncordon a node it cordoned; says in words when that could not be asked. */
async function uncordon(ctx: RunContext, action: ClusterAction): Promise<string> {
  if (action.drainStartedAt == null) return '';
  try {
    await enqueueAgentCommands(
      ctx.orgId,
      ctx.clusterId,
      [{ id: `${action.actionId}:uncordon`, command: { type: 'uncordon', node: action.node } }],
      ctx.now,
      'system: optimizer',
    );
    return ' The node is being uncordoned (the command was sent to the agent).';
  } catch (error) {
    if (!isDomainError(error)) throw error;
    return ` The node stays cordoned (${error.message}): run kubectl uncordon ${action.node} once the cluster is reachable.`;
  }
}

async function auditStep(
  ctx: RunContext,
  action: string,
  outcome: 'success' | 'failed',
  after: unknown,
  before: unknown = null,
) {
  const run = await getItem(consolidationRunEntity, consolidationRunKey(ctx.orgId, ctx.clusterId), true);
  await appendAudit(
    ctx.orgId,
    {
      ...optimizer,
      action,
      resourceType: 'cluster',
      target: `cluster/${ctx.clusterId}`,
      accountId: run?.accountId ?? null,
      outcome,
      before,
      after: { runId: ctx.runId, ...(after as Record<string, unknown>) },
      sourceIp: null,
      userAgent: null,
      requestId: null,
    },
    ctx.now,
  );
}

/** Ends the run early: every open action of it is closed with the reason (uncordoned where possible). */
export async function stopConsolidationRun(
  orgId: string,
  clusterId: string,
  runId: string,
  reason: string,
  now: Date,
): Promise<{ done: true; stopped: string }> {
  await closeOpenSteps({ orgId, clusterId, runId, now }, reason);
  return { done: true, stopped: reason };
}

/**
 * Closes every open step of the run by the shared rule ({@link stoppedNodeStep}) and ends the run;
 * answers the nodes whose termination was asked for already (they leave).
 */
async function closeOpenSteps(ctx: RunContext, reason: string): Promise<string[]> {
  const open = (await openActionsOf(ctx)).filter(
    (a): a is ClusterAction & { state: 'pending' | 'draining' | 'terminating' } =>
      a.state === 'pending' || a.state === 'draining' || a.state === 'terminating',
  );
  const steps = open.map((a) => ({ node: a.node, state: a.state, cordoned: a.drainStartedAt != null }));
  for (const action of open) {
    const stopped = stoppedNodeStep({
      node: action.node,
      state: action.state,
      cordoned: action.drainStartedAt != null,
    });
    try {
      if (stopped.leaving) {
        // Its termination was already asked for: the node goes, only its saving is left unmeasured.
        await closeAction(
          action,
          stopped.close,
          `Terminated; the run stopped before its saving was measured: ${reason}`,
          ctx.now,
        );
        continue;
      }
      const cordoned = stopped.uncordon ? await uncordon(ctx, action) : '';
      await closeAction(action, stopped.close, `${reason}${cordoned}`, ctx.now);
    } catch (error) {
      // Closed by another stop (or its own step) a moment ago: nothing left to do for it.
      if (!(error instanceof ConsolidationRunStoppedError)) throw error;
    }
  }
  await finishRun(ctx, reason);
  return leavingNodes(steps);
}

/**
 * A hibernation sleep about to scale the cluster's groups stops the consolidation run in flight first
 * (ADR 0089): its open steps closed by {@link stoppedNodeStep} (a cordoned node uncordoned, a termination
 * already asked for left to finish), the run ended with the reason and audited. The step that may be
 * running right now re-checks the run before it acts and acts no further. Answers the run stopped and
 * the nodes leaving (the sleep keeps none of them), or `null` when no run is in flight.
 */
export async function stopConsolidationForSleep(
  orgId: string,
  clusterId: string,
  now: Date,
): Promise<{ runId: string; leavingNodes: string[] } | null> {
  const run = await getItem(consolidationRunEntity, consolidationRunKey(orgId, clusterId), true);
  if (run?.state !== 'running') return null;
  const reason = `A hibernation sleep of the cluster started at ${now.toISOString()}: the consolidation run stopped before it, so that the two do not act on the same node groups; consolidation resumes after the cluster wakes.`;
  const leaving = await closeOpenSteps({ orgId, clusterId, runId: run.runId, now }, reason);
  return { runId: run.runId, leavingNodes: leaving };
}

/**
 * Right before the step acts on the cluster or the cloud: is its run still the cluster's running one?
 * A stop since the step began (a hibernation sleep) throws {@link ConsolidationRunStoppedError}.
 */
async function assertStillRunning(ctx: RunContext): Promise<void> {
  const run = await getItem(consolidationRunEntity, consolidationRunKey(ctx.orgId, ctx.clusterId), true);
  if (run?.runId === ctx.runId && run.state === 'running') return;
  throw new ConsolidationRunStoppedError(ctx.runId, run?.runId === ctx.runId ? run.reason : null);
}

async function finishRun(ctx: RunContext, reason: string | null) {
  const run = await getItem(consolidationRunEntity, consolidationRunKey(ctx.orgId, ctx.clusterId), true);
  if (!run || run.runId !== ctx.runId || run.state !== 'running') return;
  await putItem(consolidationRunEntity, {
    ...run,
    state: reason ? 'stopped' : 'finished',
    reason,
    finishedAt: ctx.now.toISOString(),
  });
  await auditStep(
    ctx,
    reason ? 'consolidation.run.stop' : 'consolidation.run.finish',
    reason ? 'failed' : 'success',
    {
      reason,
    },
  );
}

/** The cluster as it is now (the Kubernetes port's live snapshot). */
async function liveSnapshot(ctx: RunContext) {
  const { orgId, clusterId } = ctx;
  const cluster = await clusterOf(ctx);
  const target = { ...(await cloudTargetOf(orgId, cluster.accountId)), region: cluster.region };
  return port('kubernetes').collectSnapshot(
    target,
    await withStoredKubeconfig(orgId, clusterId, eksClusterOf(cluster)),
  );
}

/**
 * Why the node is exempt now, or `null` ({@link liveNodeExemption}): its live labels and the pods on it
 * under the effective policy, read right before the optimizer acts on it (the plan read the stored
 * inventory). The stored node's labels stand in when the snapshot does not list the node.
 */
async function exemptionNow(
  ctx: RunContext,
  node: string,
  snapshot: Awaited<ReturnType<typeof liveSnapshot>>,
): Promise<string | null> {
  const [{ policy }, stored] = await Promise.all([
    effectivePolicyOf(ctx.orgId, await clusterOf(ctx)),
    getItem(nodeEntity, nodeKey(ctx.orgId, ctx.clusterId, node), true),
  ]);
  return liveNodeExemption(
    snapshot,
    node,
    { namespaces: policy.governance.excludedNamespaces, labels: policy.governance.excludedLabelSelectors },
    stored?.labels ?? {},
  );
}

/**
 * Why the Node object keeps the node now, or `null` ({@link nodeObjectExemption}): read once more right
 * before a drained node is terminated, so that `karpenter.sh/do-not-disrupt` or an exempt label put on it
 * while it drained still keeps it (cordoned nodes take no new pods, so their pods were settled at the
 * drain; the agent re-reads each pod before evicting it). A node the live cluster no longer lists has
 * nothing to say.
 */
async function nodeExemptNow(ctx: RunContext, node: string): Promise<string | null> {
  const [snapshot, { policy }] = await Promise.all([
    liveSnapshot(ctx),
    effectivePolicyOf(ctx.orgId, await clusterOf(ctx)),
  ]);
  const live = snapshot.nodes?.find((n) => n.name === node);
  if (!live) return null;
  return nodeObjectExemption(live, {
    namespaces: policy.governance.excludedNamespaces,
    labels: policy.governance.excludedLabelSelectors,
  });
}

/**
 * Live pods of the node that a drain evicts (the agent reads each pod again before evicting it), and why
 * the node is exempt now, if it is.
 */
async function podsToEvict(ctx: RunContext, node: string) {
  const snapshot = await liveSnapshot(ctx);
  const exempt = await exemptionNow(ctx, node, snapshot);
  const pods = snapshot.pods
    .filter((p) => p.nodeName === node && (p.phase === 'Running' || p.phase === 'Pending'))
    .filter((p) => !notEvicted.has(p.owner?.kind ?? ''))
    .map((p) => ({
      namespace: p.namespace,
      name: p.name,
      owner: p.owner ? { kind: p.owner.kind, name: p.owner.name } : null,
    }));
  // Workloads whose budget allows no disruption although every pod is ready (`maxUnavailable: 0`, or
  // `minAvailable` = replicas): their evictions would wait until the drain times out. Pods can land on a
  // planned node after the plan (the previous wave's replacements), so this is read live.
  const heldByBudget = workloadsNotRecovered(
    snapshot,
    pods.flatMap((p) => (p.owner ? [{ namespace: p.namespace, ...p.owner }] : [])),
  ).filter((w) => !w.starting && w.exhaustedPdbs.length > 0);
  return { pods, heldByBudget, exempt };
}

const eksClusterOf = (cluster: Awaited<ReturnType<typeof loadCluster>>): EksCluster => ({
  name: cluster.name,
  arn: cluster.arn ?? '',
  kubernetesVersion: '',
  status: 'ACTIVE',
  endpoint: cluster.endpoint,
  createdAt: '',
  tags: {},
});

/** pending → cordon and evictions enqueued (idempotent ids: a retried step enqueues nothing twice). */
async function startDrain(ctx: RunContext, action: ClusterAction): Promise<void> {
  const { pods, heldByBudget, exempt } = await podsToEvict(ctx, action.node);
  if (exempt) {
    // Exempt since the plan: kept as the plan would have kept it, before anything is cordoned or evicted.
    const minimum = action.groupMinimum
      ? ` The minimum of ${action.groupMinimum.nodeGroupName} was not changed.`
      : '';
    await closeAction(
      action,
      'skipped',
      `${exempt} now: the node stays, nothing was cordoned.${minimum}`,
      ctx.now,
    );
    await auditStep(ctx, 'consolidation.node.remove', 'failed', {
      node: action.node,
      reason: `exempt: ${exempt}`,
    });
    return;
  }
  const drift = await minimumDriftBeforeDrain(ctx, action);
  if (drift) {
    await closeAction(action, 'skipped', `${drift.message} The node stays, nothing was cordoned.`, ctx.now);
    await auditStep(ctx, 'consolidation.nodegroup.minimum', 'failed', {
      nodeGroup: drift.name,
      node: action.node,
      reason: 'minimum-drift',
    });
    return;
  }
  if (heldByBudget.length > 0) {
    const which = heldByBudget.map((w) => w.reason).join('; ');
    const why = `A PodDisruptionBudget allows no disruption of pods on this node although all their pods are ready (${which}): evicting would only wait until the drain timed out. The node stays; nothing was cordoned.`;
    await closeAction(action, 'skipped', why, ctx.now);
    return;
  }
  const evictions = pods.map((p) => {
    const pod = `${p.namespace}/${p.name}`;
    return { pod, commandId: evictionId(action.actionId, pod, 0), attempt: 0, owner: p.owner };
  });
  const commands: AgentCommandInput[] = [
    { id: `${action.actionId}:cordon`, command: { type: 'cordon', node: action.node } },
    ...pods.map((p, i) => ({
      id: evictions[i]?.commandId ?? '',
      command: { type: 'evict' as const, namespace: p.namespace, pod: p.name },
    })),
  ];
  // Stopped since the step began (a hibernation sleep): nothing is cordoned.
  await assertStillRunning(ctx);
  try {
    // The cordon goes in the first batch, so it is fetched before the evictions.
    for (let i = 0; i < commands.length; i += maxCommandsPerEnqueue) {
      const batch = commands.slice(i, i + maxCommandsPerEnqueue);
      await enqueueAgentCommands(ctx.orgId, ctx.clusterId, batch, ctx.now, 'system: optimizer');
    }
  } catch (error) {
    // A pod the policy exempts is on the node now (the inventory did not show it): the node stays. The
    // batch was refused whole; a cordon of an earlier batch is undone.
    if (!(error instanceof CommandExemptError)) throw error;
    const cordoned =
      commands.length > maxCommandsPerEnqueue
        ? await uncordon(ctx, { ...action, drainStartedAt: ctx.now.toISOString() })
        : '';
    await closeAction(action, 'skipped', `${error.message} The node stays.${cordoned}`, ctx.now);
    return;
  }
  await replaceOpen(action, {
    state: 'draining',
    // A note of the wait between waves (below) no longer applies.
    result: null,
    drainStartedAt: ctx.now.toISOString(),
    evictions,
  });
}

/**
 * An open action rewritten in place (its key does not change while it is open), on the condition that it
 * is still open: a step the run's stop closed meanwhile is never reopened.
 */
async function replaceOpen(action: ClusterAction, changes: Partial<ClusterAction>) {
  try {
    await putItem(clusterActionEntity, { ...action, ...changes }, where.itemExists());
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    throw new ConsolidationRunStoppedError(action.runId, null);
  }
}

/** draining → terminate when every eviction succeeded; re-ask a PDB `wait`; give up past the timeout. */
async function checkDrain(ctx: RunContext, step: ClusterAction): Promise<void> {
  const { orgId, clusterId, now } = ctx;
  const cordon = await getAgentCommand(orgId, clusterId, `${step.actionId}:cordon`);
  if (cordon.outcome === 'failed' || cordon.outcome === 'refused') {
    await closeAction(step, 'failed', `The agent could not cordon the node: ${cordon.reason}.`, now);
    return;
  }
  const results = await Promise.all(
    (step.evictions ?? []).map((e) => getAgentCommand(orgId, clusterId, e.commandId)),
  );
  // Which pods are gone, kept with the step: the next wave waits only for workloads actually disrupted.
  const evictions = (step.evictions ?? []).map((e, i) =>
    results[i]?.outcome === 'succeeded' ? { ...e, evicted: true } : e,
  );
  const action = { ...step, evictions };
  const blocked = results.findIndex((r) => r.outcome === 'failed' || r.outcome === 'refused');
  if (blocked >= 0) {
    const why = `Eviction of ${evictions[blocked]?.pod} was blocked: ${results[blocked]?.reason}.`;
    await closeAction(action, 'failed', `${why}${await uncordon(ctx, action)}`, now);
    return;
  }
  const startedAt = Date.parse(action.drainStartedAt ?? now.toISOString());
  const waiting = evictions.filter((_, i) => results[i]?.outcome !== 'succeeded');
  if (cordon.outcome === 'succeeded' && waiting.length === 0) {
    await terminate(ctx, action);
    return;
  }
  if (now.getTime() - startedAt > drainTimeoutMs) {
    const reasons = waiting
      .map((e) => {
        const r = results[evictions.indexOf(e)];
        return `${e.pod}${r?.reason ? ` (${r.reason})` : ''}`;
      })
      .join(', ');
    const why = `Drain timed out after ${drainTimeoutMs / 60_000} minutes, still waiting for ${reasons || 'the cordon'}.`;
    await closeAction(action, 'failed', `${why}${await uncordon(ctx, action)}`, now);
    return;
  }
  // A PodDisruptionBudget allowed no disruption: the agent closed the command as `wait`; ask again.
  const retries = evictions.map((e, i) =>
    results[i]?.outcome === 'wait'
      ? { ...e, commandId: evictionId(action.actionId, e.pod, e.attempt + 1), attempt: e.attempt + 1 }
      : e,
  );
  const again = retries.filter((e, i) => e.commandId !== evictions[i]?.commandId);
  if (again.length === 0) return;
  await assertStillRunning(ctx);
  await enqueueAgentCommands(
    orgId,
    clusterId,
    again.map((e) => {
      const [namespace = '', pod = ''] = e.pod.split('/');
      return { id: e.commandId, command: { type: 'evict' as const, namespace, pod } };
    }),
    now,
    'system: optimizer',
  );
  await replaceOpen(action, { evictions: retries });
}

async function billTargetOf(ctx: RunContext) {
  const cluster = await clusterOf(ctx);
  const target = { ...(await cloudTargetOf(ctx.orgId, cluster.accountId)), region: cluster.region };
  return { cluster, target };
}

/** The node's group's hourly bill now (ADR 0044); `null` when the step has no group to read it from. */
async function billNow(ctx: RunContext, action: ClusterAction): Promise<number | null> {
  if (!action.billScope) return null;
  const { cluster, target } = await billTargetOf(ctx);
  return groupHourlyBillUsd(target, cluster.name, action.billScope, ctx.now);
}

/**
 * The drained node goes away through its owner: an Auto Scaling group (self-managed, or the one behind a
 * managed node group) terminates it with the desired capacity decremented; a Karpenter node is deleted by
 * the agent (`delete-node`) and Karpenter's finalizer terminates it, one node of a NodePool at a time (a
 * drained node waits, cordoned, while another of its pool is being deleted). The group's bill is read
 * first; the step is `terminating` until the next call reads it again. The cloud's refusal closes it as
 * skipped. Before any of it, the live Node is read again ({@link nodeExemptNow}): one marked
 * `karpenter.sh/do-not-disrupt` or labeled exempt since the drain started is kept, uncordoned.
 */
async function terminate(ctx: RunContext, action: ClusterAction): Promise<void> {
  const { orgId, clusterId, now } = ctx;
  // Marked do-not-disrupt (or labeled exempt) while it drained: drained, but kept and uncordoned.
  const exempt = await nodeExemptNow(ctx, action.node);
  if (exempt) {
    const minimum = action.groupMinimum
      ? ` The minimum of ${action.groupMinimum.nodeGroupName} was not changed.`
      : '';
    const why = `${exempt} now: it was drained but is not terminated.${minimum}`;
    await closeAction(action, 'skipped', `${why}${await uncordon(ctx, action)}`, now);
    await auditStep(ctx, 'consolidation.node.remove', 'failed', {
      node: action.node,
      reason: `exempt: ${exempt}`,
    });
    return;
  }
  if (action.termination === 'karpenter-delete-node') {
    const key = scopeKey(action.billScope);
    const deleting = key === null ? undefined : ctx.deletingIn?.get(key);
    if (deleting && deleting.actionId !== action.actionId) {
      // Drained and kept cordoned; deleted at a later step, once the other node's drop was read.
      const note = `Drained; waiting for ${deleting.node} of the NodePool ${action.billScope?.name} to be deleted first, so that each node's bill drop is measured on its own.`;
      if (action.result !== note) await replaceOpen(action, { result: note });
      return;
    }
    const billBeforeHourlyUsd = await billNow(ctx, action);
    await assertStillRunning(ctx);
    await enqueueAgentCommands(
      orgId,
      clusterId,
      [{ id: `${action.actionId}:delete`, command: { type: 'delete-node', node: action.node } }],
      now,
      'system: optimizer',
    );
    const terminating = {
      ...action,
      state: 'terminating' as const,
      result: null,
      billBeforeHourlyUsd,
      terminatingAt: now.toISOString(),
    };
    await replaceOpen(action, terminating);
    if (key !== null) ctx.deletingIn?.set(key, terminating);
    return;
  }
  if (!action.instanceId) {
    const why = 'Its EC2 instance is not known: it was drained but not terminated.';
    await closeAction(action, 'skipped', `${why}${await uncordon(ctx, action)}`, now);
    return;
  }
  const instanceId = action.instanceId;
  const { cluster, target } = await billTargetOf(ctx);
  await assertStillRunning(ctx);
  if (action.groupMinimum) {
    const lowered = await lowerGroupMinimum(ctx, action, action.groupMinimum, target, cluster.name);
    if (lowered === null) return;
    action = lowered;
  }
  const billBeforeHourlyUsd = await billNow(ctx, action);
  // The last read before the termination: a sleep that stopped the run since keeps the node.
  await assertStillRunning(ctx);
  const outcome = await port('cloud').terminateInstanceInAutoScalingGroup(target, {
    instanceId,
    decrementDesiredCapacity: true,
  });
  if (outcome.outcome === 'skipped') {
    await closeAction(action, 'skipped', `${outcome.message}${await uncordon(ctx, action)}`, now);
    await auditStep(ctx, 'consolidation.node.remove', 'failed', {
      node: action.node,
      reason: outcome.reason,
    });
    return;
  }
  const terminating = {
    ...action,
    state: 'terminating' as const,
    billBeforeHourlyUsd,
    terminatingAt: now.toISOString(),
  };
  try {
    await replaceOpen(action, terminating);
  } catch (error) {
    // Stopped between the last re-check and the cloud's answer: the node is going all the same, which
    // its closed step does not say. The audit trail does.
    if (error instanceof ConsolidationRunStoppedError) {
      await auditStep(ctx, 'consolidation.node.remove', 'success', {
        node: action.node,
        instanceId,
        realizedMonthlySavingUsd: null,
        note: 'terminated as the run was being stopped',
      });
    }
    throw error;
  }
  await noteTermination(ctx, terminating, billBeforeHourlyUsd);
}

/** The group's live sizes (its ASG, or its managed node group); `undefined` when the cloud lists none. */
async function liveGroupOf(
  plan: NonNullable<ClusterAction['groupMinimum']>,
  target: Awaited<ReturnType<typeof billTargetOf>>['target'],
  clusterName: string,
) {
  const cloud = port('cloud');
  return plan.kind === 'asg'
    ? (await cloud.describeAutoScalingGroups(target)).find((g) => g.name === plan.autoScalingGroupName)
    : (await cloud.listNodegroups(target, clusterName)).find((g) => g.name === plan.nodeGroupName);
}

/**
 * Before the drain of a node whose group's minimum the plan lowers, when the product set that minimum
 * before (ADR 0073): the group's live minimum read above it (set back outside the product since the
 * inventory was read) or a drift reported earlier and still holding → the drift, reported once;
 * the node is then not drained for a termination that would not happen.
 */
async function minimumDriftBeforeDrain(ctx: RunContext, action: ClusterAction) {
  if (!action.groupMinimum || !action.nodeGroupId) return null;
  const record = (await groupMinimumsOf(ctx.orgId, ctx.clusterId)).get(action.nodeGroupId);
  if (!record) return null;
  const { cluster, target } = await billTargetOf(ctx);
  const live = await liveGroupOf(action.groupMinimum, target, cluster.name);
  if (!live) return null;
  const { versions } = await effectivePolicyOf(ctx.orgId, cluster);
  return minimumDriftOf(ctx.orgId, cluster, record, live.minSize, versions, ctx.now);
}

/**
 * Node group takeover (ADR 0067), right before the termination of a node of a group whose minimum the plan
 * lowers: when the group is at its minimum now, its minimum goes down by what this termination needs
 * (to desired − 1, never below the plan's `lowerTo`, what the group's remaining pods need) through the
 * cloud port's node group scaling update, audited, with the group's desired and maximum sizes as they are.
 * Checked first: maintenance mode (thrown: the run stops, nothing changed), the policy still allowing it,
 * the group's minimum not set back outside the product since the product lowered it (ADR 0073) and the
 * node not exempt now (otherwise the node stays, uncordoned). The minimum set is recorded. A role without the write permission
 * skips the node with the permission named. Answers the action to terminate, or `null` when it was closed.
 */
async function lowerGroupMinimum(
  ctx: RunContext,
  action: ClusterAction,
  plan: NonNullable<ClusterAction['groupMinimum']>,
  target: Awaited<ReturnType<typeof billTargetOf>>['target'],
  clusterName: string,
): Promise<ClusterAction | null> {
  const { orgId, clusterId, now } = ctx;
  const cloud = port('cloud');
  const live = await liveGroupOf(plan, target, clusterName);
  if (!live) return action;
  const desired = 'desiredCapacity' in live ? live.desiredCapacity : live.desiredSize;
  // Above its minimum now (or a lower minimum than the plan allows would be needed): nothing to lower,
  // the termination below checks the minimum as it is.
  if (desired - 1 >= live.minSize || desired - 1 < plan.lowerTo) return action;
  const after = desired - 1;
  const before = live.minSize;
  const group = plan.nodeGroupName;
  const maintenance = await maintenanceOf(orgId, clusterId, true);
  if (maintenance.enabled) throw new MaintenanceModeError(clusterId, maintenance);
  // The minimum a sleep kept for critical pods must not go: the wake would not restore it.
  await assertNotHibernating(orgId, clusterId, now);
  await assertStillRunning(ctx);
  const keep = async (why: string, reason: string) => {
    await closeAction(action, 'skipped', `${why}${await uncordon(ctx, action)}`, now);
    await auditStep(ctx, 'consolidation.nodegroup.minimum', 'failed', {
      nodeGroup: group,
      node: action.node,
      reason,
    });
    return null;
  };
  const cluster = await clusterOf(ctx);
  const { policy, versions } = await effectivePolicyOf(orgId, cluster);
  if (!lowerGroupMinimumsOf(policy)) {
    return keep(
      `${group} is at its minimum size (${before}) and the policy no longer allows the optimizer to lower node group minimums: its minimum was not changed, the node stays.`,
      'policy',
    );
  }
  // Set back above what the product set, outside it (ADR 0073): reported once, and not lowered again.
  const record = action.nodeGroupId
    ? (await groupMinimumsOf(orgId, clusterId)).get(action.nodeGroupId)
    : undefined;
  const drift = await minimumDriftOf(orgId, cluster, record, before, versions, now);
  if (drift) return keep(`${drift.message} The node stays.`, 'minimum-drift');
  const exempt = await exemptionNow(ctx, action.node, await liveSnapshot(ctx));
  if (exempt) {
    return keep(
      `${exempt} now: the minimum of ${group} was not changed, the node stays.`,
      `exempt: ${exempt}`,
    );
  }
  const permission = plan.kind === 'asg' ? 'autoscaling:UpdateAutoScalingGroup' : 'eks:UpdateNodegroupConfig';
  try {
    if (plan.kind === 'asg') {
      await cloud.updateAutoScalingGroup(target, {
        name: plan.autoScalingGroupName ?? group,
        minSize: after,
        desiredCapacity: desired,
        maxSize: live.maxSize,
      });
    } else {
      await cloud.updateNodegroupScaling(target, {
        clusterName,
        nodegroupName: group,
        minSize: after,
        desiredSize: desired,
        maxSize: live.maxSize,
      });
    }
  } catch (error) {
    if (!(error instanceof CloudAccessError) || error.cloudCode !== 'ACCESS_DENIED') throw error;
    return keep(
      `Lowering the minimum of ${group} needs ${permission} (the onboarding template's write option), which the role does not have: its minimum stays ${before}, the node stays.`,
      `access-denied: ${permission}`,
    );
  }
  await auditStep(
    ctx,
    'consolidation.nodegroup.minimum',
    'success',
    { nodeGroup: group, node: action.node, minSize: after },
    { nodeGroup: group, minSize: before },
  );
  if (action.nodeGroupId) {
    await updateItem(nodeGroupKey(orgId, clusterId, action.nodeGroupId), { set: { minSize: after } });
    await recordMinimumSet(
      orgId,
      clusterId,
      { nodeGroupId: action.nodeGroupId, nodeGroupName: group, minSize: after, setBy: ctx.runId },
      now,
    );
  }
  const changed = { ...action, minimumChange: { nodeGroup: group, before, after } };
  await replaceOpen(action, changed);
  return changed;
}

/**
 * terminating → done with the realized saving: the drop of the group's hourly bill since the termination
 * (never below zero: a group the autoscaler grew meanwhile saved nothing measurable) × 730. A Karpenter
 * node waits for the agent's delete-node result first; a refused or failed delete uncordons the node.
 */
async function finishTermination(ctx: RunContext, action: ClusterAction): Promise<void> {
  const closed = await closeTermination(ctx, action);
  const key = scopeKey(action.billScope);
  if (closed && key !== null && ctx.deletingIn?.get(key)?.actionId === action.actionId) {
    ctx.deletingIn.delete(key);
  }
}

/** {@link finishTermination}; answers whether the action was closed (not still waiting for the agent). */
async function closeTermination(ctx: RunContext, action: ClusterAction): Promise<boolean> {
  const { orgId, clusterId, now } = ctx;
  const karpenter = action.termination === 'karpenter-delete-node';
  if (karpenter) {
    const deleted = await getAgentCommand(orgId, clusterId, `${action.actionId}:delete`);
    if (deleted.outcome === 'failed' || deleted.outcome === 'refused') {
      const why = `The agent could not delete the node: ${deleted.reason}.`;
      await closeAction(action, 'failed', `${why}${await uncordon(ctx, action)}`, now);
      await auditStep(ctx, 'consolidation.node.remove', 'failed', {
        node: action.node,
        reason: deleted.reason,
      });
      return true;
    }
    if (deleted.outcome !== 'succeeded') {
      const since = Date.parse(action.terminatingAt ?? now.toISOString());
      if (now.getTime() - since <= drainTimeoutMs) return false;
      const why = `The agent did not delete the node within ${drainTimeoutMs / 60_000} minutes.`;
      await closeAction(action, 'failed', `${why}${await uncordon(ctx, action)}`, now);
      return true;
    }
  }
  // Another node of its group terminated right after it in the same step: the bill read before that one
  // went is this one's "after" (read now, the drop would count both).
  const after = action.billAfterHourlyUsd ?? (await billNow(ctx, action));
  const before = action.billBeforeHourlyUsd ?? null;
  const realized =
    before === null || after === null
      ? null
      : Math.round(Math.max(0, before - after) * hoursPerMonth * 100) / 100;
  const pods = `${action.evictions?.length ?? 0} pod(s) evicted`;
  const lowered = action.minimumChange
    ? ` The minimum size of ${action.minimumChange.nodeGroup} was lowered from ${action.minimumChange.before} to ${action.minimumChange.after} first (node group takeover).`
    : '';
  const how = karpenter
    ? `Drained (${pods}) and deleted: Karpenter terminated its instance.`
    : `Drained (${pods}) and terminated in its Auto Scaling group, desired capacity decremented.${lowered}`;
  const measured =
    realized === null
      ? ' The bill of its group could not be read: no realized saving recorded.'
      : ` Its group's bill dropped by ${formatUsdPerMonth(realized)} per month.`;
  await closeAction(action, 'done', `${how}${measured}`, now, realized);
  await auditStep(ctx, 'consolidation.node.remove', 'success', {
    node: action.node,
    instanceId: action.instanceId,
    realizedMonthlySavingUsd: realized,
  });
  return true;
}

const formatUsdPerMonth = (usd: number) => `$${usd.toFixed(2)}`;

/**
 * Before a wave starts: are the workloads the previous wave evicted pods from whole again (ADR 0058)?
 * Their PodDisruptionBudgets count only ready pods, so while the replacements are still starting the
 * next wave's evictions would be refused and its drains time out. `null`: go on; `'waiting'`: ask again
 * at the next step (the pending steps say why in the Activity view); a sentence: the workloads did not
 * recover within {@link waveRecoveryTimeoutMs} of the previous wave's end, and the run stops with it.
 */
async function previousWaveRecovery(
  ctx: RunContext,
  wave: number,
  pending: ClusterAction[],
): Promise<'waiting' | string | null> {
  const startedAt = pending[0]?.startedAt;
  if (!startedAt) return null;
  const closed = (
    await queryAll(clusterActionEntity, doneActionsSinceQuery(ctx.orgId, ctx.clusterId, startedAt), {
      consistent: true,
    })
  ).filter((a) => a.runId === ctx.runId && (a.wave ?? 0) < wave);
  if (closed.length === 0) return null;
  const previous = Math.max(...closed.map((a) => a.wave ?? 0));
  const last = closed.filter((a) => (a.wave ?? 0) === previous);
  const evicted: EvictedWorkload[] = last.flatMap((a) =>
    (a.evictions ?? []).flatMap((e) =>
      e.owner && e.evicted
        ? [{ namespace: e.pod.split('/')[0] ?? '', kind: e.owner.kind, name: e.owner.name }]
        : [],
    ),
  );
  if (evicted.length === 0) return null;
  const cluster = await clusterOf(ctx);
  const target = { ...(await cloudTargetOf(ctx.orgId, cluster.accountId)), region: cluster.region };
  const snapshot = await port('kubernetes').collectSnapshot(
    target,
    await withStoredKubeconfig(ctx.orgId, ctx.clusterId, eksClusterOf(cluster)),
  );
  const notBack = workloadsNotRecovered(snapshot, evicted);
  if (notBack.length === 0) return null;
  const waves = `wave ${previous + 1}`;
  const which = notBack.map((w) => w.reason).join('; ');
  const endedAt = Math.max(...last.map((a) => Date.parse(a.finishedAt ?? startedAt)));
  if (ctx.now.getTime() - endedAt > waveRecoveryTimeoutMs) {
    return `The workloads ${waves} evicted pods from did not recover within ${waveRecoveryTimeoutMs / 60_000} minutes (${which}); the next wave would break their PodDisruptionBudgets, so the run stops here. Start it again once they run all their replicas.`;
  }
  const note = `Waiting for the workloads ${waves} evicted pods from to be ready again: ${which}.`;
  for (const action of pending) if (action.result !== note) await replaceOpen(action, { result: note });
  return 'waiting';
}

/**
 * One step of the run, called by the workflow until it answers `done`. Maintenance mode or an agent that
 * cannot take commands stops the run (every open action closed with the reason); anything else unexpected
 * is thrown, and the workflow's catch stops the run with it.
 */
export async function advanceConsolidationRun(
  orgId: string,
  clusterId: string,
  runId: string,
  now: Date,
): Promise<{ done: boolean; stopped?: string }> {
  const ctx: RunContext = {
    orgId,
    clusterId,
    runId,
    now,
    terminatedThisStep: new Map(),
    deletingIn: new Map(),
  };
  const maintenance = await maintenanceOf(orgId, clusterId, true);
  if (maintenance.enabled) {
    return stopConsolidationRun(
      orgId,
      clusterId,
      runId,
      new MaintenanceModeError(clusterId, maintenance).message,
      now,
    );
  }
  try {
    // Asleep or mid-transition since the last step: stop before this one (the draining nodes uncordoned).
    await assertNotHibernating(orgId, clusterId, now);
  } catch (error) {
    if (error instanceof ClusterHibernatingError) {
      return stopConsolidationRun(orgId, clusterId, runId, error.message, now);
    }
    throw error;
  }
  const open = await openActionsOf(ctx);
  if (open.length === 0) {
    await finishRun(ctx, null);
    return { done: true };
  }
  for (const a of open) {
    const key = scopeKey(a.billScope);
    if (a.state === 'terminating' && a.termination === 'karpenter-delete-node' && key !== null) {
      ctx.deletingIn?.set(key, a);
    }
  }
  const wave = Math.min(...open.map((a) => a.wave ?? 0));
  const current = open.filter((a) => (a.wave ?? 0) === wave);
  try {
    // An agent gone quiet mid-run stops it now, instead of each drain waiting for its timeout.
    await assertAgentCanAct(orgId, clusterId, now);
    if (current.every((a) => a.state === 'pending')) {
      const held = await previousWaveRecovery(ctx, wave, current);
      if (held === 'waiting') return { done: false };
      if (held !== null) return stopConsolidationRun(orgId, clusterId, runId, held, now);
    }
    for (const action of current) {
      if (action.state === 'pending') await startDrain(ctx, action);
      else if (action.state === 'terminating') await finishTermination(ctx, action);
      else await checkDrain(ctx, action);
    }
  } catch (error) {
    if (
      error instanceof AgentUnavailableError ||
      error instanceof MaintenanceModeError ||
      error instanceof ClusterHibernatingError ||
      // Stopped by a hibernation sleep meanwhile: the stop closed its steps; anything opened since closes.
      error instanceof ConsolidationRunStoppedError
    ) {
      return stopConsolidationRun(orgId, clusterId, runId, error.message, now);
    }
    throw error;
  }
  return { done: false };
}
