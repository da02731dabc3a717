import type { HibernationProtection, HibernationScope } from '../model/hibernation';

/**
 * The sleep and wake planners: which node group goes to which size, and what to remember so that the wake
 * restores exactly what was there. Pure: the caller reads the groups, applies the actions through the
 * cloud port and stores the returned record.
 *
 * - Sleep records each group's min/desired/max before changing it, and what it set (`sleptAs`). Self-
 *   managed ASGs go to 0/0/0; EKS managed node groups to min 0 / desired 0 with their max kept (EKS
 *   refuses a max of 0). A group holding pods of a critical namespace keeps the nodes those pods need.
 * - A group already recorded is not recorded again (a repeated or late sleep never overwrites the sizes to
 *   restore with zeros), and one a person changed by hand while asleep is left alone.
 * - Wake restores the recorded sizes of every group still at what the sleep set; a group a person changed
 *   while asleep keeps the person's values. Either way the record is cleared.
 * - Karpenter NodePools sleep with `spec.limits.cpu` "0" (Karpenter launches nothing more) and their nodes
 *   removed (but those critical pods need); wake writes the recorded limit back and Karpenter brings the
 *   nodes the pods ask for. Their "size" is the limit: a pool whose limit a person changed while asleep
 *   is theirs; how many nodes are still draining is not a change.
 */

export type NodeGroupKind = 'asg' | 'managed' | 'karpenter';

export interface GroupSize {
  minSize: number;
  desiredSize: number;
  maxSize: number;
  /** Karpenter NodePools only: `spec.limits.cpu` as written (`null`: no limit). Nodes are `desiredSize`. */
  cpuLimit?: string | null;
}

export interface PlannedGroup {
  nodeGroupId: string;
  kind: NodeGroupKind;
  size: GroupSize;
  tags: Readonly<Record<string, string>>;
  /** Nodes that must stay for pods of critical namespaces (0: none). */
  protectedNodeCount: number;
  /**
   * Nodes of the group whose instance carries an excluded tag. A NodePool keeps exactly those nodes; an ASG
   * or managed node group cannot be told which instances to keep, so such a group stays as it is.
   */
  taggedNodeNames?: readonly string[];
  /** What one node of the group costs, USD/h (for the savings rate). */
  hourlyPricePerNodeUsd: number;
}

/** One group's record while asleep: the sizes to restore and the sizes the sleep set. */
export interface SleepRecord {
  size: GroupSize;
  sleptAs: GroupSize;
}
export type SleepRecords = Readonly<Record<string, SleepRecord>>;

export interface GroupAction {
  nodeGroupId: string;
  kind: NodeGroupKind;
  from: GroupSize;
  to: GroupSize;
}

export interface GroupSkip {
  nodeGroupId: string;
  outcome: 'unchanged' | 'skipped';
  reason: string;
}

export interface SleepPlan {
  actions: GroupAction[];
  skipped: GroupSkip[];
  /** The record to store (previous records kept, new ones added). */
  records: Record<string, SleepRecord>;
  /** What the sleeping groups cost per hour awake minus asleep, USD/h. */
  savedUsdPerHour: number;
}

export interface WakePlan {
  actions: GroupAction[];
  skipped: GroupSkip[];
}

export const sameSize = (a: GroupSize, b: GroupSize) =>
  a.minSize === b.minSize &&
  a.desiredSize === b.desiredSize &&
  a.maxSize === b.maxSize &&
  a.cpuLimit === b.cpuLimit;

/**
 * Whether a group holds the same settings a person would change: min/desired/max of an ASG or managed
 * node group, the CPU limit of a NodePool (its node count follows Karpenter, not a person).
 */
export const sameSettings = (kind: NodeGroupKind, a: GroupSize, b: GroupSize) =>
  kind === 'karpenter' ? a.cpuLimit === b.cpuLimit : sameSize(a, b);

/** The size a group sleeps at, keeping `keep` nodes (critical pods). */
export function sleepTarget(kind: NodeGroupKind, size: GroupSize, keep: number): GroupSize {
  const nodes = Math.max(0, Math.min(keep, size.desiredSize));
  // A limit of 0 launches nothing; the kept nodes stay because only the others are removed.
  if (kind === 'karpenter') return { minSize: 0, desiredSize: nodes, maxSize: nodes, cpuLimit: '0' };
  // Kept nodes are pinned (max = kept): an autoscaler growing the group while asleep would look like a
  // person's change, and the wake would leave the group at the sleeping size.
  if (kind === 'asg') return { minSize: nodes, desiredSize: nodes, maxSize: nodes };
  // EKS managed node groups refuse maxSize 0: with nothing kept, keep the max; min and desired go to 0.
  return { minSize: nodes, desiredSize: nodes, maxSize: nodes === 0 ? Math.max(1, size.maxSize) : nodes };
}

function excludedByTag(group: PlannedGroup, protection: HibernationProtection): string | null {
  for (const rule of protection.excludedTags) {
    const value = group.tags[rule.key];
    if (value !== undefined && (rule.value === undefined || rule.value === value)) {
      return `tagged ${rule.key}${rule.value === undefined ? '' : `=${rule.value}`}: excluded from hibernation`;
    }
  }
  return null;
}

const inScope = (scope: HibernationScope, id: string) =>
  scope.kind === 'full' || scope.nodeGroupIds.includes(id);

export function planSleep(
  groups: readonly PlannedGroup[],
  scope: HibernationScope,
  protection: HibernationProtection,
  records: SleepRecords,
): SleepPlan {
  const actions: GroupAction[] = [];
  const skipped: GroupSkip[] = [];
  const next: Record<string, SleepRecord> = { ...records };
  let savedUsdPerHour = 0;
  for (const g of groups) {
    const id = g.nodeGroupId;
    const recorded = records[id];
    if (recorded) {
      // Asleep already (a repeated or late run): the record stays, a hand edit stays.
      const untouched = sameSettings(g.kind, g.size, recorded.sleptAs);
      skipped.push({
        nodeGroupId: id,
        outcome: untouched ? 'unchanged' : 'skipped',
        reason: untouched ? 'already asleep' : 'changed by hand while asleep: left as it is',
      });
      savedUsdPerHour +=
        Math.max(0, recorded.size.desiredSize - g.size.desiredSize) * g.hourlyPricePerNodeUsd;
      continue;
    }
    if (!inScope(scope, id)) {
      skipped.push({ nodeGroupId: id, outcome: 'skipped', reason: 'not in the hibernation scope' });
      continue;
    }
    const tagReason = excludedByTag(g, protection);
    if (tagReason) {
      skipped.push({ nodeGroupId: id, outcome: 'skipped', reason: tagReason });
      continue;
    }
    const tagged = g.taggedNodeNames ?? [];
    if (tagged.length > 0 && g.kind !== 'karpenter') {
      skipped.push({
        nodeGroupId: id,
        outcome: 'skipped',
        reason: `node ${tagged[0]} carries an excluded tag, and the group cannot be told which nodes to keep: left as it is`,
      });
      continue;
    }
    const target = sleepTarget(g.kind, g.size, g.protectedNodeCount);
    next[id] = { size: g.size, sleptAs: target };
    savedUsdPerHour += Math.max(0, g.size.desiredSize - target.desiredSize) * g.hourlyPricePerNodeUsd;
    if (sameSize(g.size, target)) {
      skipped.push({ nodeGroupId: id, outcome: 'unchanged', reason: 'already at its sleeping size' });
    } else {
      actions.push({ nodeGroupId: id, kind: g.kind, from: g.size, to: target });
    }
  }
  return { actions, skipped, records: next, savedUsdPerHour: Math.round(savedUsdPerHour * 1e6) / 1e6 };
}

/** Restores every recorded group; the caller clears the record once the actions are applied. */
export function planWake(groups: readonly PlannedGroup[], records: SleepRecords): WakePlan {
  const actions: GroupAction[] = [];
  const skipped: GroupSkip[] = [];
  const byId = new Map(groups.map((g) => [g.nodeGroupId, g]));
  for (const [id, record] of Object.entries(records)) {
    const g = byId.get(id);
    if (!g) {
      skipped.push({ nodeGroupId: id, outcome: 'skipped', reason: 'the node group no longer exists' });
      continue;
    }
    if (sameSettings(g.kind, g.size, record.size)) {
      skipped.push({ nodeGroupId: id, outcome: 'unchanged', reason: 'already at its recorded size' });
    } else if (!sameSettings(g.kind, g.size, record.sleptAs)) {
      skipped.push({
        nodeGroupId: id,
        outcome: 'skipped',
        reason: 'changed by hand while asleep: the new sizes are kept',
      });
    } else {
      actions.push({ nodeGroupId: id, kind: g.kind, from: g.size, to: record.size });
    }
  }
  return { actions, skipped };
}

export interface TransitionPlan {
  direction: 'sleep' | 'wake';
  actions: GroupAction[];
  skipped: GroupSkip[];
  /** The record once the actions are applied (empty after a wake). */
  records: Record<string, SleepRecord>;
  savedUsdPerHour: number;
}

/**
 * What one run does, from the state the engine wants (`runsNodes`: active or pre-warm) and what is
 * recorded: sleep the groups in scope, or restore the recorded ones. Safe to run twice: the second run
 * of either direction changes nothing.
 */
export function planTransition(
  runsNodes: boolean,
  groups: readonly PlannedGroup[],
  scope: HibernationScope,
  protection: HibernationProtection,
  records: SleepRecords,
): TransitionPlan {
  if (runsNodes) {
    const wake = planWake(groups, records);
    return { direction: 'wake', ...wake, records: {}, savedUsdPerHour: 0 };
  }
  return { direction: 'sleep', ...planSleep(groups, scope, protection, records) };
}
