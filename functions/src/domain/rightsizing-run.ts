import { randomBytes } from 'node:crypto';
import {
  agentCanAct,
  type ClusterSnapshot,
  ConflictError,
  isDomainError,
  type Policy,
  type RightsizingPlanResponse,
  type RightsizingStartResponse,
} from '@spot/shared';
import {
  containerPatchesOf,
  containerRestoreOf,
  type LiveContainer,
  observedSincePatch,
  type PatchCandidate,
  patchPolicyOf,
  planWorkloadPatches,
  rollbackDecision,
  rolloutBaseline,
  rolloutWatchMs,
  rolloutWindowMs,
} from '@spot/shared/savings/workload-patches';
import { agentChannelEntity, agentChannelKey } from '../data/entities/agent-channel';
import {
  type ClusterAction,
  clusterActionEntity,
  clusterActionKey,
  openActionsQuery,
} from '../data/entities/cluster-action';
import { clusterChildrenQuery } from '../data/entities/partitions';
import { rightsizingRunEntity, rightsizingRunKey } from '../data/entities/rightsizing-run';
import { workloadEntity, workloadKey, workloadKeyOf } from '../data/entities/workload';
import {
  workloadRolloutEntity,
  workloadRolloutKey,
  workloadRolloutsQuery,
} from '../data/entities/workload-rollout';
import {
  deleteItem,
  getItem,
  isConditionalCheckFailed,
  putItem,
  queryAll,
  transactDelete,
  transactPut,
  transactWrite,
  where,
} from '../data/repository';
import { port } from '../ports';
import type { EksCluster } from '../ports/cloud';
import { cloudTargetOf } from './accounts-connect';
import { AgentUnavailableError, enqueueAgentCommands, getAgentCommand } from './agent-commands';
import { appendAudit } from './audit';
import { withStoredKubeconfig } from './cluster-kubeconfig';
import { realizedSavingAdd } from './cluster-registry-row';
import { loadCluster } from './clusters';
import { MaintenanceModeError, maintenanceOf } from './maintenance';
import { effectivePolicyOf } from './policy-effective';

/**
 * Workload patches (issue 14, ADR 0043): rightsizing in automatic mode and the spot rules, planned by
 * `planWorkloadPatches` (shared) over the stored inventory, carried out by the `rightsizing` workflow through
 * the agent's `patch-workload` command. The start writes the run and one open ClusterAction per workload;
 * the workflow then calls {@link advanceRightsizingRun} every minute until it answers `done`. Each call
 * checks maintenance mode and the agent first; a pending step re-plans its workload under the policy of
 * that moment (exemptions, mode, threshold, the one-rollout window) right before the patch goes out.
 * pending → patch enqueued (`patching`) → patched: a spot-rule patch is done, a resize is `watching` for
 * {@link rolloutWatchMs} → OOM kills or restarts above the baseline → rollback enqueued (`rolling-back`) →
 * `rolled-back`; or the watch ends quietly → `done`.
 */

const optimizer = { actorType: 'system', actorId: null, actorName: 'system: optimizer' } as const;
/** Workloads patched at once in a cluster: each patch is a rollout of all the workload's pods. */
export const patchesInFlight = 3;
/** How long the agent may take to run a patch or a rollback before the step gives up. */
export const commandTimeoutMs = 10 * 60_000;
/** At most this many steps per run: they are written in one transaction with the run. */
const maxStepsPerRun = 90;

export class RightsizingRunningError extends ConflictError {
  constructor(runId: string) {
    super(
      'RIGHTSIZING_RUNNING',
      `Workload patch run ${runId} is still in progress on this cluster: follow it in the Activity view and start another once it has finished.`,
      { details: { runId } },
    );
  }
}

const newRunId = (now: Date) =>
  `rs-${now.toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(4).toString('hex')}`;

const perReplica = (total: number | null, replicas: number) =>
  total === null ? null : Math.round((total / Math.max(1, replicas)) * 100) / 100;

type Workload = ReturnType<typeof workloadEntity.fromItem>;
type WorkloadRollout = ReturnType<typeof workloadRolloutEntity.fromItem>;

/** A stored workload (and the optimizer's last rollout of it) as the planner reads it. */
function candidateOf(
  w: Workload,
  rollout: { rolledOutAt: string; scheduling: Record<string, unknown> | null } | undefined,
): PatchCandidate {
  const replicas = Math.max(1, w.replicas);
  return {
    namespace: w.namespace,
    kind: w.kind,
    name: w.name,
    replicas: w.replicas,
    labels: w.labels ?? {},
    unmanagedReason: w.unmanagedReason,
    hpaScaledResources: w.hpaScaledResources,
    spotReady: w.spotReady,
    requestCpuMilli: perReplica(w.requestCpuMilli, replicas) ?? 0,
    requestMemoryMiB: perReplica(w.requestMemoryMiB, replicas) ?? 0,
    limitCpuMilli: perReplica(w.limitCpuMilli, replicas),
    limitMemoryMiB: perReplica(w.limitMemoryMiB, replicas),
    rightsizing: w.rightsizing,
    lastRolloutAt: rollout?.rolledOutAt ?? null,
    appliedScheduling: rollout?.scheduling ?? null,
  };
}

async function inputsOf(orgId: string, clusterId: string) {
  const cluster = await loadCluster(orgId, clusterId);
  const [effective, workloads, rollouts] = await Promise.all([
    effectivePolicyOf(orgId, cluster),
    queryAll(workloadEntity, clusterChildrenQuery(orgId, clusterId, 'WORKLOAD')),
    queryAll(workloadRolloutEntity, workloadRolloutsQuery(orgId, clusterId)),
  ]);
  const byKey = new Map(rollouts.map((r) => [workloadKeyOf(r), r]));
  return {
    cluster,
    policy: effective.policy,
    candidates: workloads.map((w) => candidateOf(w, byKey.get(workloadKeyOf(w)))),
  };
}

const activeRules = (policy: Policy) =>
  (['forceSpot', 'preferSpot', 'blockBurstableFamilies', 'enforceMultiAzSpread'] as const).filter(
    (r) => policy.workload.spotRules[r],
  );

/** The patches a run would make now (dry run): the effective policy over the stored inventory. */
export async function planClusterWorkloadPatches(
  orgId: string,
  clusterId: string,
  now: Date,
): Promise<RightsizingPlanResponse> {
  const { cluster, policy, candidates } = await inputsOf(orgId, clusterId);
  const plan = planWorkloadPatches(candidates, patchPolicyOf(policy), now);
  const notes: string[] = [];
  if (policy.workload.rightsizing.mode !== 'automatic')
    notes.push(
      `Rightsizing is in ${policy.workload.rightsizing.mode} mode: requests are changed only in automatic mode; the spot rules still apply.`,
    );
  notes.push(
    `Requests are split over each workload's containers in proportion to their current requests when the patch goes out; a resized workload is watched for ${rolloutWatchMs / 60_000} minutes and rolled back when its OOM kills or restarts rise above its baseline.`,
  );
  return {
    clusterId,
    dryRun: true,
    snapshotAt: cluster.lastSyncedAt,
    policy: {
      mode: policy.workload.rightsizing.mode,
      severityThresholdUsdPerMonth: policy.workload.rightsizing.severityThresholdUsdPerMonth,
      spotRules: activeRules(policy),
    },
    patches: plan.patches,
    skipped: plan.skipped,
    monthlySavingUsd: plan.monthlySavingUsd,
    notes,
  };
}

async function assertAgentCanAct(orgId: string, clusterId: string, now: Date): Promise<void> {
  const channel = await getItem(agentChannelEntity, agentChannelKey(orgId, clusterId), true);
  const lastPollAt = channel?.lastPollAt ?? null;
  if (!agentCanAct(lastPollAt, now)) throw new AgentUnavailableError(clusterId, lastPollAt);
}

/** Starts a run: plans, writes the run and its steps (one transaction, no run in progress), starts the workflow. */
export async function startRightsizingRun(
  orgId: string,
  clusterId: string,
  actor: { email: string },
  now: Date,
): Promise<{ response: RightsizingStartResponse; accountId: string }> {
  const cluster = await loadCluster(orgId, clusterId);
  const maintenance = await maintenanceOf(orgId, clusterId, true);
  if (maintenance.enabled) throw new MaintenanceModeError(clusterId, maintenance);
  const current = await getItem(rightsizingRunEntity, rightsizingRunKey(orgId, clusterId), true);
  if (current?.state === 'running') throw new RightsizingRunningError(current.runId);
  const plan = await planClusterWorkloadPatches(orgId, clusterId, now);
  if (plan.patches.length === 0) {
    throw new ConflictError(
      'RIGHTSIZING_NOTHING_TO_DO',
      'The plan patches no workload of this cluster: preview it with dryRun: true to see what stays and why.',
    );
  }
  await assertAgentCanAct(orgId, clusterId, now);
  const patches = plan.patches.slice(0, maxStepsPerRun);
  const runId = newRunId(now);
  const startedAt = now.toISOString();
  const actions: ClusterAction[] = patches.map((p, i) => ({
    orgId,
    clusterId,
    actionId: `${runId}-w${i}`,
    runId,
    kind: p.kind,
    node: '',
    instanceId: null,
    instanceType: '',
    nodeGroupId: null,
    state: 'pending',
    result: null,
    predictedMonthlySavingUsd: p.monthlySavingUsd,
    realizedMonthlySavingUsd: null,
    startedAt,
    finishedAt: null,
    workload: p.workload,
    before: p.before,
    after: p.after,
  }));
  const run = {
    orgId,
    clusterId,
    accountId: cluster.accountId,
    runId,
    state: 'running' as const,
    startedBy: actor.email,
    startedAt,
    finishedAt: null,
    reason: null,
    executionArn: null,
  };
  try {
    await transactWrite([
      transactPut(rightsizingRunEntity, run, where.or(where.itemNotExists(), where.ne('state', 'running'))),
      ...actions.map((a) => transactPut(clusterActionEntity, a)),
    ]);
  } catch (error) {
    const raced = await getItem(rightsizingRunEntity, rightsizingRunKey(orgId, clusterId), true);
    if (raced?.state === 'running') throw new RightsizingRunningError(raced.runId);
    throw error;
  }
  const { executionArn } = await port('workflows').startExecution(
    'rightsizing',
    { orgId, clusterId, runId },
    runId,
  );
  await putItem(rightsizingRunEntity, { ...run, executionArn });
  return {
    response: {
      clusterId,
      dryRun: false,
      runId,
      workloads: actions.length,
      predictedMonthlySavingUsd: patches.reduce((s, p) => s + p.monthlySavingUsd, 0),
    },
    accountId: cluster.accountId,
  };
}

// ------------------------------------------------------------------------------------------- steps

interface RunContext {
  orgId: string;
  clusterId: string;
  runId: string;
  now: Date;
}

const openActionsOf = async ({ orgId, clusterId, runId }: RunContext) =>
  (await queryAll(clusterActionEntity, openActionsQuery(orgId, clusterId), { consistent: true })).filter(
    (a) => a.runId === runId,
  );

async function closeAction(
  action: ClusterAction,
  state: 'done' | 'failed' | 'skipped' | 'rolled-back',
  result: string,
  now: Date,
  changes: Partial<ClusterAction> = {},
): Promise<void> {
  await transactWrite([
    transactDelete(clusterActionKey(action)),
    transactPut(clusterActionEntity, {
      ...action,
      ...changes,
      state,
      result,
      finishedAt: now.toISOString(),
    }),
    // The registry's "% savings achieved" counts it (ADR 0053), in the same transaction.
    ...(state === 'done' && (changes.realizedMonthlySavingUsd ?? 0) > 0
      ? realizedSavingAdd(action, changes.realizedMonthlySavingUsd ?? 0)
      : []),
  ]);
}

const replaceOpen = (action: ClusterAction, changes: Partial<ClusterAction>) =>
  putItem(clusterActionEntity, { ...action, ...changes });

const describe = (a: ClusterAction) =>
  a.workload ? `${a.workload.kind} ${a.workload.namespace}/${a.workload.name}` : a.actionId;

async function audit(
  ctx: RunContext,
  action: string,
  outcome: 'success' | 'failed',
  step: ClusterAction,
  before: unknown,
  after: unknown,
) {
  const run = await getItem(rightsizingRunEntity, rightsizingRunKey(ctx.orgId, ctx.clusterId), true);
  await appendAudit(
    ctx.orgId,
    {
      ...optimizer,
      action,
      resourceType: 'workload',
      target: `cluster/${ctx.clusterId}/${step.workload?.namespace}/${step.workload?.kind}/${step.workload?.name}`,
      accountId: run?.accountId ?? null,
      outcome,
      before: before as Record<string, unknown> | null,
      after: { runId: ctx.runId, actionId: step.actionId, ...(after as Record<string, unknown>) },
      sourceIp: null,
      userAgent: null,
      requestId: null,
    },
    ctx.now,
  );
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

/** The live snapshot of the cluster (the agent's or the collector's view now). */
async function liveSnapshot(orgId: string, clusterId: string): Promise<ClusterSnapshot> {
  const cluster = await loadCluster(orgId, clusterId);
  const target = { ...(await cloudTargetOf(orgId, cluster.accountId)), region: cluster.region };
  return port('kubernetes').collectSnapshot(
    target,
    await withStoredKubeconfig(orgId, clusterId, eksClusterOf(cluster)),
  );
}

const podsOf = (snapshot: ClusterSnapshot, w: { namespace: string; kind: string; name: string }) =>
  snapshot.pods.filter(
    (p) => p.namespace === w.namespace && p.owner?.kind === w.kind && p.owner.name === w.name,
  );

/** The containers of the workload's pod template, per replica, as a running pod shows them. */
function liveContainersOf(pods: ClusterSnapshot['pods']): LiveContainer[] {
  const pod = pods.find((p) => p.phase === 'Running') ?? pods[0];
  return (pod?.containers ?? []).map((c) => ({
    name: c.name,
    requestCpuMilli: c.requests.cpuMilli,
    requestMemoryMiB: c.requests.memoryMiB,
    limitCpuMilli: c.limits.cpuMilli ?? null,
    limitMemoryMiB: c.limits.memoryMiB ?? null,
  }));
}

/** Claims the workload's rollout window (conditional put); false when the optimizer rolled it out in it. */
async function claimRollout(
  ctx: RunContext,
  action: ClusterAction,
  scheduling: Record<string, unknown> | null,
) {
  const w = action.workload;
  if (!w) return false;
  const previous = await getItem(
    workloadRolloutEntity,
    workloadRolloutKey(ctx.orgId, ctx.clusterId, w),
    true,
  );
  try {
    await putItem(
      workloadRolloutEntity,
      {
        orgId: ctx.orgId,
        clusterId: ctx.clusterId,
        ...w,
        rolledOutAtMs: ctx.now.getTime(),
        rolledOutAt: ctx.now.toISOString(),
        actionId: action.actionId,
        scheduling: scheduling ?? previous?.scheduling ?? null,
      },
      where.or(where.itemNotExists(), where.lt('rolledOutAtMs', ctx.now.getTime() - rolloutWindowMs)),
    );
    return { previous };
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** Puts the previous rollout record back (the patch never went out). */
async function releaseRollout(ctx: RunContext, action: ClusterAction, previous: WorkloadRollout | undefined) {
  const w = action.workload;
  if (!w) return;
  if (previous) await putItem(workloadRolloutEntity, previous);
  else await deleteItem(workloadRolloutKey(ctx.orgId, ctx.clusterId, w));
}

/**
 * pending → re-planned under the policy of now, then the patch enqueued. Throws what stops the run
 * (maintenance, agent unavailable) after releasing the window claim.
 */
async function startPatch(ctx: RunContext, action: ClusterAction): Promise<void> {
  const w = action.workload;
  if (!w) return closeAction(action, 'skipped', 'Not a workload step.', ctx.now);
  const { policy, candidates } = await inputsOf(ctx.orgId, ctx.clusterId);
  const candidate = candidates.find((c) => workloadKeyOf(c) === workloadKeyOf(w));
  if (!candidate)
    return closeAction(action, 'skipped', `${describe(action)} is no longer in the inventory.`, ctx.now);
  const plan = planWorkloadPatches([candidate], patchPolicyOf(policy), ctx.now);
  const patch = plan.patches[0];
  if (!patch) {
    const why = plan.skipped[0]?.message ?? 'Nothing to change any more under the current policy.';
    return closeAction(action, 'skipped', `Not patched: ${why}`, ctx.now);
  }
  const pods = podsOf(await liveSnapshot(ctx.orgId, ctx.clusterId), w);
  const containers = liveContainersOf(pods);
  if (containers.length === 0)
    return closeAction(action, 'skipped', `${describe(action)} has no pod running now.`, ctx.now);
  const resizes = {
    cpu: patch.resizes && patch.after.requests.cpuMilli !== patch.before.requests.cpuMilli,
    memory: patch.resizes && patch.after.requests.memoryMiB !== patch.before.requests.memoryMiB,
  };
  const containerPatches = containerPatchesOf(containers, patch.after.requests, resizes);
  const scheduling = patch.rules.length > 0 ? patch.after.scheduling : null;
  const claim = await claimRollout(ctx, action, scheduling);
  if (!claim)
    return closeAction(
      action,
      'skipped',
      `Not patched: the optimizer rolled ${describe(action)} out less than ${rolloutWindowMs / 3_600_000} hours ago.`,
      ctx.now,
    );
  try {
    await enqueueAgentCommands(
      ctx.orgId,
      ctx.clusterId,
      [
        {
          id: `${action.actionId}:patch`,
          command: {
            type: 'patch-workload',
            kind: w.kind as 'Deployment' | 'StatefulSet',
            namespace: w.namespace,
            name: w.name,
            ...(containerPatches.length > 0 ? { containers: containerPatches } : {}),
            ...(scheduling ? { scheduling } : {}),
          },
        },
      ],
      ctx.now,
      'system: optimizer',
    );
  } catch (error) {
    await releaseRollout(ctx, action, claim.previous);
    if (error instanceof AgentUnavailableError || error instanceof MaintenanceModeError) throw error;
    if (!isDomainError(error)) throw error;
    return closeAction(action, 'skipped', `Not patched: ${error.message}`, ctx.now);
  }
  const workload = await getItem(workloadEntity, workloadKey(action.orgId, action.clusterId, w));
  const days = Object.values(workload?.dailyUsage ?? {}).map((d) => d.oomKills);
  const liveBefore = {
    cpuMilli: containers.reduce((s, c) => s + c.requestCpuMilli, 0),
    memoryMiB: containers.reduce((s, c) => s + c.requestMemoryMiB, 0),
  };
  const before = { ...patch.before, requests: liveBefore };
  await replaceOpen(action, {
    kind: patch.kind,
    state: 'patching',
    predictedMonthlySavingUsd: patch.monthlySavingUsd,
    before,
    after: patch.after,
    work: {
      resizes,
      rules: patch.rules,
      containers,
      restartsBefore: Object.fromEntries(
        pods.map((p) => [p.name, p.containers.reduce((s, c) => s + c.restarts, 0)]),
      ),
      baseline: rolloutBaseline(days),
      observed: null,
      patchEnqueuedAt: ctx.now.toISOString(),
      patchedAt: null,
      rollbackReason: null,
    },
  });
  await audit(ctx, 'rightsizing.workload.patch', 'success', action, before, {
    ...patch.after,
    rules: patch.rules,
    containers: containerPatches,
  });
}

/** patching → the agent's outcome: a resize is watched, a spot-rule patch is done; a refusal closes it. */
async function checkPatch(ctx: RunContext, action: ClusterAction): Promise<void> {
  const work = action.work;
  if (!work) return closeAction(action, 'failed', 'The step lost its working state.', ctx.now);
  const result = await getAgentCommand(ctx.orgId, ctx.clusterId, `${action.actionId}:patch`);
  if (result.outcome === null || result.outcome === 'wait') {
    if (ctx.now.getTime() - Date.parse(work.patchEnqueuedAt ?? ctx.now.toISOString()) > commandTimeoutMs)
      return closeAction(
        action,
        'failed',
        `The agent did not run the patch within ${commandTimeoutMs / 60_000} minutes.`,
        ctx.now,
      );
    return;
  }
  if (result.outcome !== 'succeeded') {
    await audit(ctx, 'rightsizing.workload.patch', 'failed', action, null, { reason: result.reason });
    return closeAction(
      action,
      result.outcome === 'refused' ? 'skipped' : 'failed',
      `The agent did not patch ${describe(action)}: ${result.reason}.`,
      ctx.now,
    );
  }
  const patchedAt = result.finishedAt ?? ctx.now.toISOString();
  if (!work.resizes.cpu && !work.resizes.memory)
    return closeAction(
      action,
      'done',
      `Spot rules applied (${work.rules.join(', ')}); the pods roll out with the new scheduling fields.`,
      ctx.now,
    );
  await replaceOpen(action, { state: 'watching', work: { ...work, patchedAt } });
}

/** watching → roll back on a rise of OOM kills or restarts; done once the watch is over. */
async function watch(ctx: RunContext, action: ClusterAction): Promise<void> {
  const work = action.work;
  const w = action.workload;
  if (!work || !w || !work.patchedAt)
    return closeAction(action, 'failed', 'The step lost its working state.', ctx.now);
  const snapshot = await liveSnapshot(ctx.orgId, ctx.clusterId);
  const pods = podsOf(snapshot, w);
  const observed = observedSincePatch(
    pods.map((p) => ({ name: p.name, restarts: p.containers.reduce((s, c) => s + c.restarts, 0) })),
    work.restartsBefore,
    snapshot.events.filter((e) => e.reason === 'OOMKilled' && e.namespace === w.namespace),
    work.patchedAt,
  );
  const baseline = work.baseline ?? { oomKills: 0, restarts: 0 };
  const decision = rollbackDecision(baseline, observed);
  if (decision.rollback) {
    await enqueueAgentCommands(
      ctx.orgId,
      ctx.clusterId,
      [
        {
          id: `${action.actionId}:rollback`,
          command: {
            type: 'patch-workload',
            kind: w.kind as 'Deployment' | 'StatefulSet',
            namespace: w.namespace,
            name: w.name,
            containers: containerRestoreOf(work.containers, work.resizes),
          },
        },
      ],
      ctx.now,
      'system: optimizer',
    );
    await replaceOpen(action, {
      state: 'rolling-back',
      work: { ...work, observed, rollbackReason: decision.reason, patchEnqueuedAt: ctx.now.toISOString() },
    });
    await audit(ctx, 'rightsizing.workload.rollback', 'success', action, action.after, {
      ...action.before,
      reason: decision.reason,
      observed,
      baseline,
    });
    return;
  }
  if (ctx.now.getTime() - Date.parse(work.patchedAt) >= rolloutWatchMs) {
    return closeAction(
      action,
      'done',
      `Resized and watched for ${rolloutWatchMs / 60_000} minutes: ${observed.oomKills} OOM kill(s) and ${observed.restarts} restart(s), within the baseline.`,
      ctx.now,
      { realizedMonthlySavingUsd: action.predictedMonthlySavingUsd, work: { ...work, observed } },
    );
  }
  await replaceOpen(action, { work: { ...work, observed } });
}

/** rolling-back → closed once the agent restored the requests. */
async function checkRollback(ctx: RunContext, action: ClusterAction): Promise<void> {
  const work = action.work;
  const result = await getAgentCommand(ctx.orgId, ctx.clusterId, `${action.actionId}:rollback`);
  if (result.outcome === null || result.outcome === 'wait') {
    if (ctx.now.getTime() - Date.parse(work?.patchEnqueuedAt ?? ctx.now.toISOString()) > commandTimeoutMs)
      return closeAction(
        action,
        'failed',
        `Rollback not run by the agent within ${commandTimeoutMs / 60_000} minutes (${work?.rollbackReason}): restore the requests of ${describe(action)} by hand.`,
        ctx.now,
      );
    return;
  }
  if (result.outcome !== 'succeeded')
    return closeAction(
      action,
      'failed',
      `Rollback refused by the agent (${result.reason}) after ${work?.rollbackReason}: restore the requests of ${describe(action)} by hand.`,
      ctx.now,
    );
  await closeAction(action, 'rolled-back', `Rolled back: ${work?.rollbackReason}.`, ctx.now);
}

async function finishRun(ctx: RunContext, reason: string | null) {
  const run = await getItem(rightsizingRunEntity, rightsizingRunKey(ctx.orgId, ctx.clusterId), true);
  if (!run || run.runId !== ctx.runId || run.state !== 'running') return;
  await putItem(rightsizingRunEntity, {
    ...run,
    state: reason ? 'stopped' : 'finished',
    reason,
    finishedAt: ctx.now.toISOString(),
  });
  await appendAudit(
    ctx.orgId,
    {
      ...optimizer,
      action: reason ? 'rightsizing.run.stop' : 'rightsizing.run.finish',
      resourceType: 'cluster',
      target: `cluster/${ctx.clusterId}`,
      accountId: run.accountId,
      outcome: reason ? 'failed' : 'success',
      before: null,
      after: { runId: ctx.runId, reason },
      sourceIp: null,
      userAgent: null,
      requestId: null,
    },
    ctx.now,
  );
}

/** Ends the run early: every open step closed with the reason (a patch already out stays, and says so). */
export async function stopRightsizingRun(
  orgId: string,
  clusterId: string,
  runId: string,
  reason: string,
  now: Date,
): Promise<{ done: true; stopped: string }> {
  const ctx = { orgId, clusterId, runId, now };
  for (const action of await openActionsOf(ctx)) {
    if (action.state === 'pending') await closeAction(action, 'skipped', `Not patched: ${reason}`, now);
    else if (action.state === 'watching')
      await closeAction(
        action,
        'done',
        `Patched; the watch stopped early (${reason}). The patch stays.`,
        now,
      );
    else
      await closeAction(
        action,
        'failed',
        `Stopped while the agent ${action.state === 'patching' ? 'had the patch' : 'had the rollback'} (${reason}): check ${describe(action)}.`,
        now,
      );
  }
  await finishRun(ctx, reason);
  return { done: true, stopped: reason };
}

/**
 * One step of the run, called by the workflow until it answers `done`. Maintenance mode or an agent that
 * cannot take commands stops the run; anything else unexpected is thrown (the workflow's catch stops it).
 */
export async function advanceRightsizingRun(
  orgId: string,
  clusterId: string,
  runId: string,
  now: Date,
): Promise<{ done: boolean; stopped?: string }> {
  const ctx = { orgId, clusterId, runId, now };
  const maintenance = await maintenanceOf(orgId, clusterId, true);
  if (maintenance.enabled)
    return stopRightsizingRun(
      orgId,
      clusterId,
      runId,
      new MaintenanceModeError(clusterId, maintenance).message,
      now,
    );
  const open = await openActionsOf(ctx);
  if (open.length === 0) {
    await finishRun(ctx, null);
    return { done: true };
  }
  try {
    await assertAgentCanAct(orgId, clusterId, now);
    const busy = open.filter((a) => a.state !== 'pending');
    const starting = open
      .filter((a) => a.state === 'pending')
      .slice(0, Math.max(0, patchesInFlight - busy.length));
    for (const action of busy) {
      if (action.state === 'patching') await checkPatch(ctx, action);
      else if (action.state === 'watching') await watch(ctx, action);
      else if (action.state === 'rolling-back') await checkRollback(ctx, action);
    }
    for (const action of starting) await startPatch(ctx, action);
  } catch (error) {
    if (error instanceof AgentUnavailableError || error instanceof MaintenanceModeError)
      return stopRightsizingRun(orgId, clusterId, runId, error.message, now);
    throw error;
  }
  return { done: false };
}
