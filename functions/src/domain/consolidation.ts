import {
  type ClusterActionsQuery,
  type ClusterActionsResponse,
  type ConsolidationPlanResponse,
  nodeTemplateSpecSchema,
  type PlanMinimumDrift,
  ValidationError,
} from '@spot/shared';
import { consolidationPlanOf } from '@spot/shared/policy/consolidation-plan';
import { loadCatalog } from '@spot/shared/pricing/catalog';
import {
  clusterActionEntity,
  doneActionPosition,
  doneActionsAfter,
  doneActionsQuery,
  doneActionsSinceQuery,
  openActionsQuery,
} from '../data/entities/cluster-action';
import { nodeEntity } from '../data/entities/node';
import { nodeGroupEntity } from '../data/entities/node-group';
import { nodeTemplateEntity, nodeTemplateKey } from '../data/entities/node-template';
import { clusterChildrenQuery } from '../data/entities/partitions';
import { workloadEntity, workloadKeyOf } from '../data/entities/workload';
import { getItem, queryAll, queryPage } from '../data/repository';
import { loadCluster } from './clusters';
import { groupMinimumsOf, minimumDriftOf } from './group-minimum-drift';
import { PolicyTemplateNotFoundError } from './policies';
import { effectivePolicyOf } from './policy-effective';
import { plannerNodeOf } from './policy-preview';

/**
 * What-if variants of a dry run, each lifting one rule the plan keeps, to measure what that rule holds
 * (the optimizer bench's breakdown of where a run parts from the bin-packing potential, ADR 0066). No
 * route takes them: a run always plans with every rule.
 */
export interface PlanWhatIf {
  /** Every group's minimum size taken as 0. */
  noGroupMinimums?: boolean;
  /** Every group taken as able to launch a chosen cheaper type for a replacement (as a Karpenter NodePool). */
  replaceInEveryGroup?: boolean;
  /**
   * Replacements launched by a pool whose nodes carry these labels only (the product's NodePool: its
   * template's id label), so pods with a selector it does not match cannot move to them.
   */
  replacementLabels?: Readonly<Record<string, string>>;
  /** Every workload taken as free of node selectors, required node affinity and group binding (tolerations kept). */
  noNodeSelectors?: boolean;
}

/**
 * The consolidation plan of a cluster (dry run): its effective policy over its latest stored inventory,
 * node groups included (owners and minimum sizes). Nothing is written, except the report of a group
 * minimum set back outside the product, the first time a plan finds it (ADR 0073). `whatIf`: see
 * {@link PlanWhatIf}.
 */
export async function planClusterConsolidation(
  orgId: string,
  clusterId: string,
  now: Date,
  whatIf: PlanWhatIf = {},
): Promise<ConsolidationPlanResponse> {
  const cluster = await loadCluster(orgId, clusterId);
  const [effective, groups, nodes, workloads, open] = await Promise.all([
    effectivePolicyOf(orgId, cluster),
    queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, clusterId, 'NODEGROUP')),
    queryAll(nodeEntity, clusterChildrenQuery(orgId, clusterId, 'NODE')),
    queryAll(workloadEntity, clusterChildrenQuery(orgId, clusterId, 'WORKLOAD')),
    queryAll(clusterActionEntity, openActionsQuery(orgId, clusterId)),
  ]);
  const { policy } = effective;
  const lastActedOn = await lastActedOnWithin(
    orgId,
    clusterId,
    open,
    new Date(now.getTime() - policy.infrastructure.binPacking.stabilizationWindowMinutes * 60_000),
  );
  const templateId = policy.infrastructure.autoscaling.nodeTemplateId;
  const template = templateId ? await getItem(nodeTemplateEntity, nodeTemplateKey(orgId, templateId)) : null;
  if (templateId && !template) throw new PolicyTemplateNotFoundError(templateId);
  // The minimums the product set, against the inventory's (ADR 0073): one set back is reported, then held.
  const setMinimums = await groupMinimumsOf(orgId, clusterId);
  const minimumDrift: PlanMinimumDrift[] = [];
  for (const g of groups) {
    const drift = await minimumDriftOf(
      orgId,
      cluster,
      setMinimums.get(g.nodeGroupId),
      g.minSize,
      effective.versions,
      now,
    );
    if (drift) minimumDrift.push(drift);
  }
  return consolidationPlanOf(
    {
      clusterId,
      snapshotAt: cluster.lastSyncedAt,
      region: cluster.region,
      nodes: nodes.map((n) => ({
        ...plannerNodeOf(n),
        instanceId: n.instanceId,
        nodeGroupId: n.nodeGroupId,
        launchedAt: n.launchedAt,
        ...(n.taints ? { taints: n.taints } : {}),
      })),
      lastActedOn,
      workloads: workloads.map((w) => ({
        key: workloadKeyOf(w),
        namespace: w.namespace,
        ...(w.labels ? { labels: w.labels } : {}),
        replicas: w.replicas,
        requestCpuMilli: w.requestCpuMilli,
        requestMemoryMiB: w.requestMemoryMiB,
        monthlyCostUsd: w.monthlyCostUsd,
        spotReady: w.spotReady,
        hpaScaledResources: w.hpaScaledResources,
        usage: null,
        pdb: w.pdb,
        scheduling:
          whatIf.noNodeSelectors && w.scheduling
            ? { ...w.scheduling, nodeSelector: {}, requiredNodeAffinity: [], groupBound: false }
            : w.scheduling,
      })),
      groups: groups.map((g) => ({
        id: g.nodeGroupId,
        name: g.name,
        kind: whatIf.replaceInEveryGroup ? ('karpenter-nodepool' as const) : g.kind,
        minSize: whatIf.noGroupMinimums ? 0 : g.minSize,
        // A self-managed group is named after its ASG (a group known only from the agent lists none);
        // a managed node group's ASG is known only once discovery described the node group.
        autoScalingGroupName: g.autoScalingGroupNames[0] ?? (g.kind === 'asg' ? g.name : null),
      })),
      instanceTypes: loadCatalog().instanceTypes,
      template: template ? nodeTemplateSpecSchema.parse(template.spec) : null,
      now,
      ...(whatIf.replacementLabels ? { replacementLabels: whatIf.replacementLabels } : {}),
      minimumDrift,
    },
    policy,
  );
}

/**
 * The optimizer's latest action per node since `since` (stabilization, ADR 0044): the actions in flight
 * (by their start) and the done ones that finished since then, read newest first and no further back.
 */
async function lastActedOnWithin(
  orgId: string,
  clusterId: string,
  open: readonly ActionItem[],
  since: Date,
): Promise<Record<string, string>> {
  const latest: Record<string, string> = {};
  const note = (node: string, at: string) => {
    const seen = latest[node];
    if (seen === undefined || seen < at) latest[node] = at;
  };
  for (const a of open) note(a.node, a.startedAt);
  const done = await queryAll(
    clusterActionEntity,
    doneActionsSinceQuery(orgId, clusterId, since.toISOString()),
  );
  for (const a of done) note(a.node, a.finishedAt ?? a.startedAt);
  return latest;
}

// ---------------------------------------------------------------------------------------- actions

type ActionItem = ReturnType<typeof clusterActionEntity.fromItem>;

/**
 * The view: the keys and the workflows' working fields (waves, evictions, timings, the bill read before a
 * termination, a workload patch's `work`) stay inside.
 */
const view = ({
  orgId: _o,
  clusterId: _c,
  instanceId: _i,
  wave: _w,
  termination: _t,
  hourlySavingUsd: _h,
  drainStartedAt: _d,
  evictions: _e,
  billScope: _bs,
  billBeforeHourlyUsd: _bb,
  billAfterHourlyUsd: _ba,
  terminatingAt: _ta,
  groupMinimum: _gm,
  work: _wk,
  ...a
}: ActionItem) => a;

const encodeCursor = (position: string) => Buffer.from(position, 'utf8').toString('base64url');
const invalidCursor = () =>
  new ValidationError('cursor: not a cursor this list returned. Start again without it.');

/**
 * In flight first (every one of them, on the first page: a run has at most a few nodes in flight), then
 * done, newest first, `limit` per page.
 */
export async function listClusterActions(
  orgId: string,
  clusterId: string,
  query: ClusterActionsQuery,
): Promise<ClusterActionsResponse> {
  await loadCluster(orgId, clusterId);
  const startKey = query.cursor
    ? doneActionsAfter(orgId, clusterId, Buffer.from(query.cursor, 'base64url').toString('utf8'))
    : undefined;
  if (startKey === null) throw invalidCursor();
  const open = startKey ? [] : await queryAll(clusterActionEntity, openActionsQuery(orgId, clusterId));
  const page = await queryPage(doneActionsQuery(orgId, clusterId), {
    limit: query.limit,
    newestFirst: true,
    ...(startKey ? { startKey } : {}),
  });
  const done = page.items.map((i) => clusterActionEntity.fromItem(i));
  const last = page.items.at(-1);
  const position = last ? doneActionPosition(last) : null;
  return {
    items: [...open, ...done].map(view),
    nextCursor: page.hasMore && position ? encodeCursor(position) : null,
  };
}
