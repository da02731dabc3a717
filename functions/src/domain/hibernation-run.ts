import {
  type AuditEntry,
  type DateOverride,
  type HibernationActionResponse,
  type HibernationProtection,
  isDomainError,
  type ManualOverride,
  maxWakeHours,
  ValidationError,
  type WakeInput,
} from '@spot/shared';
import {
  desiredStateAt,
  type EngineInput,
  nextScheduledWake,
  nextTransition,
  runsNodes,
  transitionHorizonMs,
} from '@spot/shared/hibernation/engine';
import {
  type GroupAction,
  type GroupSize,
  type GroupSkip,
  type NodeGroupKind,
  type PlannedGroup,
  planTransition,
} from '@spot/shared/hibernation/planner';
import { recentPeriods, type SleepPeriod } from '@spot/shared/hibernation/savings';
import type { z } from 'zod';
import type { clusterEntity } from '../data/entities/cluster';
import { hibernationRuntimeEntity } from '../data/entities/hibernation-runtime';
import { nodeEntity } from '../data/entities/node';
import { nodeGroupEntity } from '../data/entities/node-group';
import { clusterChildrenQuery } from '../data/entities/partitions';
import { isConditionalCheckFailed, putItem, queryAll, where } from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';
import type { CloudTarget } from '../ports/cloud';
import type { KubernetesCluster } from '../ports/kubernetes';
import { hibernationAccessHint } from '../ports/kubernetes-errors';
import { cloudTargetOf } from './accounts-connect';
import { appendAudit } from './audit';
import { withStoredKubeconfig } from './cluster-kubeconfig';
import { loadCluster } from './clusters';
import { stopConsolidationForSleep } from './consolidation-run';
import { followProductMinimumWrites, type ProductMinimumWrite } from './group-minimum-drift';
import {
  armNotice,
  engineInputOf,
  hibernationScheduleName,
  type NoticeSettings,
  noticeSettingsOf,
  readOverrides,
  readRuntime,
  readSchedule,
  type StoredRuntime,
  type StoredSchedule,
  scheduleOf,
  statusOf,
} from './hibernation';

/**
 * One hibernation run: what the engine wants now, planned by `shared/src/hibernation/planner.ts`, applied
 * through the cloud port (the AWS adapter in AWS, the sandbox locally), recorded in the runtime item and
 * audited; then the cluster's one schedule is re-armed for its next transition. Runs are idempotent: a
 * repeated or late run finds the record and does nothing wrong (see the planner). The live sizes come
 * from the cloud, not from the last discovery, so a person's change since is seen.
 */

type Cluster = z.infer<typeof clusterEntity.schema>;
type NodeGroup = z.infer<typeof nodeGroupEntity.schema>;
type NodeItem = z.infer<typeof nodeEntity.schema>;

/** Who asked: a person (wake/sleep now, schedule saved) or the scheduler. */
export type RunActor = { kind: 'user'; userId: string; email: string } | { kind: 'system' };

const kindOf: Record<NodeGroup['kind'], NodeGroupKind> = {
  'managed-node-group': 'managed',
  asg: 'asg',
  'karpenter-nodepool': 'karpenter',
};

/**
 * Nodes a group must keep for pods of critical namespaces: the fewest of its nodes that hold those pods'
 * requests by CPU and by memory (at least one when there is any such pod).
 */
export function protectedNodeCount(nodes: readonly NodeItem[], criticalNamespaces: readonly string[]) {
  if (criticalNamespaces.length === 0 || nodes.length === 0) return 0;
  const critical = new Set(criticalNamespaces);
  let cpuMilli = 0;
  let memoryMiB = 0;
  let pods = 0;
  for (const node of nodes)
    for (const p of node.movablePods ?? [])
      if (critical.has(p.namespace)) {
        cpuMilli += p.cpuMilli;
        memoryMiB += p.memoryMiB;
        pods += p.count;
      }
  if (pods === 0) return 0;
  const cpuPerNode = Math.max(...nodes.map((n) => n.allocatableCpuMilli));
  const memPerNode = Math.max(...nodes.map((n) => n.allocatableMemoryMiB));
  const byCpu = cpuPerNode > 0 ? Math.ceil(cpuMilli / cpuPerNode) : 1;
  const byMem = memPerNode > 0 ? Math.ceil(memoryMiB / memPerNode) : 1;
  return Math.min(nodes.length, Math.max(1, byCpu, byMem));
}

/** The first excluded-tag rule a set of AWS tags matches (a rule without a value matches any value). */
export function excludedTagOf(
  tags: Readonly<Record<string, string>>,
  rules: HibernationProtection['excludedTags'],
): string | null {
  for (const rule of rules) {
    const value = tags[rule.key];
    if (value !== undefined && (rule.value === undefined || rule.value === value)) return rule.key;
  }
  return null;
}

/**
 * The nodes a group keeps for critical pods: the {@link protectedNodeCount} nodes holding the most of those
 * pods' CPU (the ones whose removal would move the most). Names, for removing the others of a NodePool.
 */
export function protectedNodeNames(nodes: readonly NodeItem[], criticalNamespaces: readonly string[]) {
  const count = protectedNodeCount(nodes, criticalNamespaces);
  if (count === 0) return [];
  const critical = new Set(criticalNamespaces);
  const criticalCpu = (n: NodeItem) =>
    (n.movablePods ?? []).filter((p) => critical.has(p.namespace)).reduce((sum, p) => sum + p.cpuMilli, 0);
  return [...nodes]
    .sort((a, b) => criticalCpu(b) - criticalCpu(a) || a.nodeName.localeCompare(b.nodeName))
    .slice(0, count)
    .map((n) => n.nodeName);
}

/**
 * The groups of the cluster with their live sizes from the cloud (a group the cloud no longer has is left
 * out); `stored` and `nodes` are what the last discovery recorded (names, prices, pods per node).
 */
async function liveGroups(
  cluster: RunCluster,
  target: CloudTarget,
  stored: readonly NodeGroup[],
  nodes: readonly NodeItem[],
  protection: HibernationProtection,
): Promise<{
  groups: PlannedGroup[];
  names: Map<string, NodeGroup>;
  keep: Map<string, string[]>;
  unreadable: GroupSkip[];
}> {
  const cloud = port('cloud');
  const has = (kind: NodeGroup['kind']) => stored.some((g) => g.kind === kind);
  const [managed, asgs, pools, instances] = await Promise.all([
    has('managed-node-group') ? cloud.listNodegroups(target, cluster.name) : Promise.resolve([]),
    has('asg') ? cloud.describeAutoScalingGroups(target) : Promise.resolve([]),
    has('karpenter-nodepool') ? readNodePools(cluster, target) : Promise.resolve([]),
    // Instance tags only when some rule may match a node.
    protection.excludedTags.length > 0 ? cloud.describeInstances(target) : Promise.resolve([]),
  ]);
  const excludedNode = new Set(
    instances
      .filter((i) => i.privateDnsName && excludedTagOf(i.tags, protection.excludedTags))
      .map((i) => i.privateDnsName as string),
  );
  const groups: PlannedGroup[] = [];
  const keep = new Map<string, string[]>();
  const unreadable: GroupSkip[] = [];
  for (const g of stored) {
    let size: GroupSize | undefined;
    // The live AWS tags (a tag added since the last discovery counts), over the stored ones and the labels.
    let tags: Record<string, string> = { ...g.labels, ...g.tags };
    if (g.kind === 'managed-node-group') {
      const live = managed.find((m) => m.name === g.name);
      if (live) size = { minSize: live.minSize, desiredSize: live.desiredSize, maxSize: live.maxSize };
      if (live?.tags) tags = { ...g.labels, ...live.tags };
    } else if (g.kind === 'asg') {
      const live = asgs.find((a) => a.name === (g.autoScalingGroupNames[0] ?? g.name));
      if (live) size = { minSize: live.minSize, desiredSize: live.desiredCapacity, maxSize: live.maxSize };
      if (live) tags = { ...g.labels, ...live.tags };
    } else if (pools instanceof Error) {
      unreadable.push({ nodeGroupId: g.nodeGroupId, outcome: 'skipped', reason: pools.message });
    } else {
      const live = pools.find((p) => p.name === g.name);
      if (live)
        size = { minSize: 0, desiredSize: live.nodeCount, maxSize: live.nodeCount, cpuLimit: live.cpuLimit };
    }
    if (!size) continue;
    const own = nodes.filter((n) => n.nodeGroupId === g.nodeGroupId);
    const tagged = own.filter((n) => excludedNode.has(n.nodeName)).map((n) => n.nodeName);
    const kept = [...new Set([...protectedNodeNames(own, protection.criticalNamespaces), ...tagged])];
    keep.set(g.nodeGroupId, kept);
    groups.push({
      nodeGroupId: g.nodeGroupId,
      kind: kindOf[g.kind],
      size,
      tags,
      taggedNodeNames: tagged,
      protectedNodeCount: kept.length,
      hourlyPricePerNodeUsd: g.nodeCount > 0 ? g.hourlyCostUsd / g.nodeCount : 0,
    });
  }
  return { groups, names: new Map(stored.map((g) => [g.nodeGroupId, g])), keep, unreadable };
}

/**
 * The cluster's NodePools, or why they cannot be read: a cluster whose Kubernetes API refuses or cannot
 * be reached still has its ASGs and managed node groups hibernated; its pools are reported as skipped.
 */
async function readNodePools(cluster: RunCluster, target: CloudTarget) {
  try {
    return await port('kubernetes').listNodePools(target, eksClusterOf(cluster));
  } catch (error) {
    logger.warn('hibernation: NodePools not readable', {
      clusterId: cluster.clusterId,
      ...errorFields(error),
    });
    return new Error(
      isDomainError(error)
        ? error.message
        : `The cluster's Kubernetes API could not be reached to read its Karpenter NodePools; they are left as they are. ${hibernationAccessHint}`,
    );
  }
}

async function apply(
  cluster: RunCluster,
  target: CloudTarget,
  group: NodeGroup,
  action: GroupAction,
  keepNodeNames: readonly string[],
) {
  const cloud = port('cloud');
  if (action.kind === 'asg') {
    await cloud.updateAutoScalingGroup(target, {
      name: group.autoScalingGroupNames[0] ?? group.name,
      minSize: action.to.minSize,
      desiredCapacity: action.to.desiredSize,
      maxSize: action.to.maxSize,
    });
  } else if (action.kind === 'karpenter') {
    const kubernetes = port('kubernetes');
    const eks = eksClusterOf(cluster);
    // The limit first, so Karpenter does not replace the nodes removed next.
    if (action.to.cpuLimit !== action.from.cpuLimit)
      await kubernetes.setNodePoolCpuLimit(target, eks, group.name, action.to.cpuLimit ?? null);
    if (action.to.desiredSize < action.from.desiredSize)
      await kubernetes.removeNodePoolNodes(target, eks, group.name, keepNodeNames);
  } else {
    await cloud.updateNodegroupScaling(target, {
      clusterName: cluster.name,
      nodegroupName: group.name,
      minSize: action.to.minSize,
      desiredSize: action.to.desiredSize,
      maxSize: action.to.maxSize,
    });
  }
}

function nextPeriods(
  runtime: StoredRuntime | undefined,
  direction: 'sleep' | 'wake',
  savedUsdPerHour: number,
  now: Date,
): SleepPeriod[] {
  const periods = [...(runtime?.sleepPeriods ?? [])];
  const open = periods.at(-1)?.to === null ? periods.at(-1) : undefined;
  const nowIso = now.toISOString();
  if (direction === 'wake' && open) periods[periods.length - 1] = { ...open, to: nowIso };
  if (direction === 'sleep' && !open && savedUsdPerHour > 0)
    periods.push({ from: nowIso, to: null, savedUsdPerHour });
  return recentPeriods(periods, now);
}

/** Arms the cluster's one schedule at its next transition (or deletes it when none is coming). */
async function rearm(orgId: string, clusterId: string, at: Date | null) {
  const scheduler = port('scheduler');
  const name = hibernationScheduleName(clusterId);
  if (!at) {
    await scheduler.deleteSchedule(name);
    return;
  }
  await scheduler.upsertSchedule({
    name,
    expression: `at(${at.toISOString().slice(0, 19)})`,
    timeZone: 'UTC',
    target: { workflow: 'hibernation', input: { orgId, clusterId } },
  });
}

export interface RunResult {
  response: HibernationActionResponse;
  accountId: string;
  before: unknown;
  after: unknown;
}

/** The cluster as a run needs it. */
export type RunCluster = Pick<
  Cluster,
  'clusterId' | 'name' | 'accountId' | 'region' | 'timeZone' | 'arn' | 'endpoint'
> &
  Pick<KubernetesCluster, 'kubeconfig'>;

/** The cluster as the Kubernetes port addresses it (name, ARN and endpoint are what the adapters use). */
const eksClusterOf = (cluster: RunCluster): KubernetesCluster => ({
  // An uploaded kubeconfig (ADR 0059) reaches the cluster's API server for the NodePools.
  kubeconfig: cluster.kubeconfig ?? null,
  name: cluster.name,
  arn: cluster.arn ?? '',
  kubernetesVersion: '',
  status: 'ACTIVE',
  endpoint: cluster.endpoint,
  createdAt: '',
  tags: {},
});

/** Everything a run reads before acting (one consistent read of each item). */
export interface RunInputs {
  cluster: RunCluster;
  stored: StoredSchedule | undefined;
  overrides: DateOverride[];
  runtime: StoredRuntime | undefined;
  /** The account's credentials in the cluster's region. */
  target: CloudTarget;
  /** The node groups and nodes the last discovery recorded. */
  nodeGroups: NodeGroup[];
  nodes: NodeItem[];
}

/**
 * Where a run reads its inputs and records what it did: DynamoDB in the product ({@link dynamoRunStore}),
 * memory in the simulation that replays thousands of sequences through this same run code.
 */
export interface HibernationRunStore {
  load(orgId: string, clusterId: string): Promise<RunInputs>;
  /**
   * Writes the runtime if its revision is still `previousRevision` (`null`: none yet); throws
   * {@link RevisionConflict} when another run wrote first.
   */
  saveRuntime(runtime: StoredRuntime, previousRevision: number | null): Promise<void>;
  /** Records a scheduler's run in the audit trail (a person's run is audited by its route). */
  auditSystemRun(orgId: string, entry: AuditEntry, now: Date): Promise<void>;
  /**
   * The group minimums the run just wrote, for the optimizer's record of the minimums it set (ADR 0073,
   * 0081): the run's own writes are not drift.
   */
  minimumsWritten(
    orgId: string,
    cluster: RunCluster,
    writes: readonly ProductMinimumWrite[],
    now: Date,
  ): Promise<void>;
  /**
   * A sleep about to scale stops the cluster's consolidation run in flight (ADR 0089); answers the run
   * stopped and the nodes whose termination it had asked for (leaving), or `null` when none was running.
   */
  stopConsolidation(
    orgId: string,
    clusterId: string,
    now: Date,
  ): Promise<{ runId: string; leavingNodes: string[] } | null>;
}

export const dynamoRunStore: HibernationRunStore = {
  async load(orgId, clusterId) {
    const cluster = await withStoredKubeconfig(orgId, clusterId, await loadCluster(orgId, clusterId));
    const [stored, overrides, runtime, nodeGroups, nodes, credentials] = await Promise.all([
      readSchedule(orgId, clusterId, true),
      readOverrides(orgId, clusterId, true),
      readRuntime(orgId, clusterId, true),
      queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, clusterId, 'NODEGROUP')),
      queryAll(nodeEntity, clusterChildrenQuery(orgId, clusterId, 'NODE')),
      cloudTargetOf(orgId, cluster.accountId),
    ]);
    // The account's credentials, in the cluster's region (not the account's home region).
    const target = { ...credentials, region: cluster.region };
    return { cluster, stored, overrides, runtime, target, nodeGroups, nodes };
  },
  async saveRuntime(runtime, previousRevision) {
    try {
      await putItem(
        hibernationRuntimeEntity,
        runtime,
        previousRevision === null ? where.itemNotExists() : where.eq('revision', previousRevision),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new RevisionConflict();
      throw error;
    }
  },
  async auditSystemRun(orgId, entry, now) {
    await appendAudit(orgId, entry, now);
  },
  async minimumsWritten(orgId, cluster, writes, now) {
    await followProductMinimumWrites(orgId, cluster, writes, now);
  },
  async stopConsolidation(orgId, clusterId, now) {
    return stopConsolidationForSleep(orgId, clusterId, now);
  },
};

/**
 * Brings the cluster to what the engine wants at `now`, after setting `manual` (a person's wake or sleep;
 * `undefined` leaves the current one). Records and audits what it did and re-arms the schedule.
 */
export async function runHibernation(
  orgId: string,
  clusterId: string,
  now: Date,
  actor: RunActor,
  manual?: ManualOverride | null,
  store: HibernationRunStore = dynamoRunStore,
): Promise<RunResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await runOnce(store, orgId, clusterId, now, actor, manual);
    } catch (error) {
      // Another run of the same cluster wrote first: plan again on what it left.
      if (!(error instanceof RevisionConflict) || attempt >= 3) throw error;
    }
  }
}

export class RevisionConflict extends Error {
  constructor() {
    super('hibernation runtime changed during the run');
    this.name = 'RevisionConflict';
  }
}

async function runOnce(
  store: HibernationRunStore,
  orgId: string,
  clusterId: string,
  now: Date,
  actor: RunActor,
  manual: ManualOverride | null | undefined,
): Promise<RunResult> {
  const { cluster, stored, overrides, runtime, target, nodeGroups, nodes } = await store.load(
    orgId,
    clusterId,
  );
  const schedule = scheduleOf(cluster, stored);
  const previousManual = runtime?.manualOverride ?? null;
  const chosen = manual === undefined ? previousManual : manual;
  // An ended manual override is dropped so the schedule takes over again.
  const liveManual =
    chosen && (chosen.until === null || Date.parse(chosen.until) > now.getTime()) ? chosen : null;
  const input = { schedule, overrides, manualOverride: liveManual };
  const desired = desiredStateAt(input, now);

  const planOn = async (left: readonly NodeItem[]) => {
    const live = await liveGroups(cluster, target, nodeGroups, left, schedule.protection);
    const planned = planTransition(
      runsNodes(desired.state),
      live.groups,
      schedule.scope,
      schedule.protection,
      runtime?.records ?? {},
    );
    return { ...live, plan: planned };
  };
  let planned = await planOn(nodes);
  // A consolidation run draining a node would act on the groups the sleep scales (ADR 0089): stopped
  // first, then the sizes read again, so that the sleep records and pins what the stop left (a node whose
  // termination was asked for goes, and is not one kept for critical pods).
  const consolidationStopped =
    planned.plan.direction === 'sleep' && planned.plan.actions.length > 0
      ? await store.stopConsolidation(orgId, clusterId, now)
      : null;
  if (consolidationStopped) {
    const leaving = new Set(consolidationStopped.leavingNodes);
    planned = await planOn(nodes.filter((n) => !leaving.has(n.nodeName)));
  }
  const { names, keep, unreadable, plan } = planned;

  const records = { ...plan.records };
  const outcomes: HibernationActionResponse['actions'] = [...unreadable, ...plan.skipped].map(
    (s: GroupSkip) => ({
      nodeGroupId: s.nodeGroupId,
      outcome: s.outcome,
      reason: s.reason,
    }),
  );
  const minimumWrites: ProductMinimumWrite[] = [];
  for (const action of plan.actions) {
    const group = names.get(action.nodeGroupId) as NodeGroup;
    try {
      await apply(cluster, target, group, action, keep.get(action.nodeGroupId) ?? []);
      outcomes.push({ nodeGroupId: action.nodeGroupId, outcome: 'scaled', reason: null });
      // A NodePool's minimum is not a size the optimizer sets (it never lowers one).
      if (action.kind !== 'karpenter')
        minimumWrites.push({
          nodeGroupId: action.nodeGroupId,
          observedMinSize: action.from.minSize,
          writtenMinSize: action.to.minSize,
          setBy: `hibernation ${plan.direction}`,
        });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      // Not changed: a failed sleep is not recorded (nothing to restore), a failed wake keeps its record
      // so the next run tries again.
      if (plan.direction === 'sleep') delete records[action.nodeGroupId];
      else if (runtime?.records[action.nodeGroupId])
        records[action.nodeGroupId] = runtime.records[action.nodeGroupId] as (typeof records)[string];
      outcomes.push({ nodeGroupId: action.nodeGroupId, outcome: 'skipped', reason: error.message });
    }
  }

  // Before the runtime is saved: a retried run (revision conflict) finds the sizes written and writes none.
  await store.minimumsWritten(orgId, cluster, minimumWrites, now);

  const sleeping = Object.keys(records).length > 0;
  const next = nextTransition(input, now);
  const nextRunAt =
    next?.at ?? (schedule.enabled || liveManual ? new Date(now.getTime() + transitionHorizonMs) : null);
  const savingsRate = sleeping ? (plan.direction === 'sleep' ? plan.savedUsdPerHour : 0) : 0;
  const updated: StoredRuntime = {
    orgId,
    clusterId,
    revision: (runtime?.revision ?? 0) + 1,
    actual: sleeping ? 'sleeping' : 'running',
    records,
    manualOverride: liveManual,
    sleepPeriods: nextPeriods(runtime, sleeping ? 'sleep' : 'wake', savingsRate, now),
    savingsRateUsdPerHour: savingsRate,
    lastRunAt: now.toISOString(),
    nextRunAt: nextRunAt?.toISOString() ?? null,
  };
  await store.saveRuntime(updated, runtime ? runtime.revision : null);

  try {
    await rearm(orgId, clusterId, nextRunAt);
  } catch (error) {
    // The cluster is where it should be; a missing schedule is an operational alarm, not a failed action.
    logger.error('hibernation schedule not armed', { clusterId, ...errorFields(error) });
  }
  // A wake or sleep moves the next sleep: its notice follows.
  await armNotice(orgId, clusterId, input, noticeSettingsOf(stored), now);

  const changedGroups = outcomes.filter((o) => o.outcome === 'scaled').map((o) => o.nodeGroupId);
  const before = { actual: runtime?.actual ?? null, manualOverride: previousManual };
  const after = {
    actual: updated.actual,
    desired: desired.state,
    reason: desired.reason,
    changedGroups,
    ...(consolidationStopped ? { consolidationRunStopped: consolidationStopped.runId } : {}),
  };
  if (actor.kind === 'system') {
    await store.auditSystemRun(
      orgId,
      {
        actorType: 'system',
        actorId: null,
        actorName: 'system: hibernation scheduler',
        action: plan.direction === 'sleep' ? 'hibernation.sleep' : 'hibernation.wake',
        resourceType: 'cluster',
        target: `cluster/${clusterId}`,
        accountId: cluster.accountId,
        outcome: outcomes.some(
          (o) => o.outcome === 'skipped' && plan.actions.some((a) => a.nodeGroupId === o.nodeGroupId),
        )
          ? 'failed'
          : 'success',
        before,
        after,
        sourceIp: null,
        userAgent: null,
        requestId: null,
      },
      now,
    );
  }
  return {
    response: { clusterId, status: statusOf(input, updated, now, next), actions: outcomes },
    accountId: cluster.accountId,
    before,
    after,
  };
}

/** "Wake up now": active for some hours or until an instant (at most {@link maxWakeHours}), then the schedule. */
export async function wakeCluster(
  orgId: string,
  clusterId: string,
  body: WakeInput,
  actor: RunActor & { kind: 'user' },
  now: Date,
  store: HibernationRunStore = dynamoRunStore,
) {
  const until =
    body.hours !== undefined
      ? new Date(now.getTime() + body.hours * 3_600_000)
      : new Date(body.until as string);
  if (until.getTime() <= now.getTime()) {
    throw new ValidationError(`until: ${until.toISOString()} is in the past; choose a later time.`, {
      issues: [{ field: 'until', message: 'Choose a time after now.' }],
    });
  }
  if (until.getTime() > now.getTime() + maxWakeHours * 3_600_000) {
    throw new ValidationError(
      `until: wake for at most ${maxWakeHours} hours; edit the schedule for longer.`,
      {
        issues: [{ field: 'until', message: `At most ${maxWakeHours} hours from now.` }],
      },
    );
  }
  const manual: ManualOverride = {
    state: 'active',
    from: now.toISOString(),
    until: until.toISOString(),
    by: actor.userId,
  };
  return runHibernation(orgId, clusterId, now, actor, manual, store);
}

/** "Hibernate now": asleep until the schedule next wants nodes up (or until someone wakes it). */
export async function sleepCluster(
  orgId: string,
  clusterId: string,
  actor: RunActor & { kind: 'user' },
  now: Date,
  store: HibernationRunStore = dynamoRunStore,
) {
  const { cluster, stored, overrides } = await store.load(orgId, clusterId);
  const schedule = scheduleOf(cluster, stored);
  const wake = schedule.enabled
    ? nextScheduledWake(engineInputOf(schedule, overrides, undefined), now)
    : null;
  const manual: ManualOverride = {
    state: 'sleep',
    from: now.toISOString(),
    until: wake?.toISOString() ?? null,
    by: actor.userId,
  };
  return runHibernation(orgId, clusterId, now, actor, manual, store);
}

/**
 * After a save: arm the cluster's schedule so a run brings it to the new schedule's state within a minute
 * when it is not there now, else at its next transition; no schedule for a disabled one with nothing
 * asleep and no manual override. Nothing is scaled by the save itself (the run is the one place that acts).
 * The notice of the next sleep is armed (or removed) with it.
 */
export async function armAfterSave(
  orgId: string,
  clusterId: string,
  input: EngineInput,
  runtime: StoredRuntime | undefined,
  notices: NoticeSettings,
  now: Date,
): Promise<Date | null> {
  await armNotice(orgId, clusterId, input, notices, now);
  const wantsNodes = runsNodes(desiredStateAt(input, now).state);
  const sleeping = runtime?.actual === 'sleeping';
  const mismatch = wantsNodes === sleeping;
  const next = nextTransition(input, now);
  const at = mismatch
    ? new Date(now.getTime() + 60_000)
    : (next?.at ?? (input.schedule.enabled ? new Date(now.getTime() + transitionHorizonMs) : null));
  try {
    await rearm(orgId, clusterId, at);
    return at;
  } catch (error) {
    logger.error('hibernation schedule not armed', { clusterId, ...errorFields(error) });
    return null;
  }
}

/**
 * A scheduled run while the cluster is in maintenance (ADR 0037): nothing is scaled; the skip is recorded
 * in the audit trail with its reason and the schedule is re-armed at the next transition, so hibernation
 * resumes by itself (switching maintenance off also arms a run within a minute, {@link resumeAfterMaintenance}).
 * A person's Wake Up Now / Hibernate Now does not come here: explicit actions still run in maintenance.
 */
export async function skipScheduledRunInMaintenance(
  orgId: string,
  clusterId: string,
  maintenance: { since: string | null; by: string | null; reason: string | null },
  now: Date,
  store: HibernationRunStore = dynamoRunStore,
): Promise<{ skipped: true; reason: string; nextRunAt: string | null }> {
  const { cluster, stored, overrides, runtime } = await store.load(orgId, clusterId);
  const input = engineInputOf(scheduleOf(cluster, stored), overrides, runtime);
  const next = nextTransition(input, now);
  const nextRunAt =
    next?.at ?? (input.schedule.enabled ? new Date(now.getTime() + transitionHorizonMs) : null);
  const reason = `cluster in maintenance mode since ${maintenance.since ?? 'now'}${maintenance.by ? ` (switched on by ${maintenance.by})` : ''}: the scheduled ${runsNodes(desiredStateAt(input, now).state) ? 'wake' : 'sleep'} was skipped`;
  try {
    await rearm(orgId, clusterId, nextRunAt);
  } catch (error) {
    logger.error('hibernation schedule not armed', { clusterId, ...errorFields(error) });
  }
  await store.auditSystemRun(
    orgId,
    {
      actorType: 'system',
      actorId: null,
      actorName: 'system: hibernation scheduler',
      action: 'hibernation.skipped',
      resourceType: 'cluster',
      target: `cluster/${clusterId}`,
      accountId: cluster.accountId,
      outcome: 'denied',
      before: { actual: runtime?.actual ?? null },
      after: {
        skipped: true,
        reason,
        maintenanceReason: maintenance.reason,
        nextRunAt: nextRunAt?.toISOString() ?? null,
      },
      sourceIp: null,
      userAgent: null,
      requestId: null,
    },
    now,
  );
  return { skipped: true, reason, nextRunAt: nextRunAt?.toISOString() ?? null };
}

/**
 * After maintenance is switched off: a run within a minute brings the cluster to what its schedule wants
 * (it may have missed a transition meanwhile). Nothing for a cluster without an enabled schedule.
 */
export async function resumeAfterMaintenance(
  orgId: string,
  clusterId: string,
  now: Date,
): Promise<Date | null> {
  const [stored, runtime] = await Promise.all([
    readSchedule(orgId, clusterId, true),
    readRuntime(orgId, clusterId, true),
  ]);
  if (!stored?.enabled && runtime?.actual !== 'sleeping') return null;
  const at = new Date(now.getTime() + 60_000);
  try {
    await rearm(orgId, clusterId, at);
    return at;
  } catch (error) {
    logger.error('hibernation schedule not armed', { clusterId, ...errorFields(error) });
    return null;
  }
}
