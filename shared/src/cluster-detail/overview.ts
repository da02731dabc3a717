/**
 * The Overview & Health tab (ADR 0052): the topology (node groups and their nodes) and the alert feed.
 * Pure: the caller passes the stored nodes and groups, the advisor's bucket of each spot type and the
 * clock.
 */

export interface OverviewNode {
  nodeName: string;
  instanceType: string;
  capacityType: 'on-demand' | 'spot';
  zone: string;
  nodeGroupId: string | null;
  ready: boolean;
  pressure: readonly string[];
  hourlyPriceUsd: number | null;
}

export interface OverviewGroup {
  nodeGroupId: string;
  name: string;
  kind: string;
}

export interface TopologyGroup {
  nodeGroupId: string | null;
  /** The group's name; "Unmanaged nodes" for nodes no group claims. */
  name: string;
  kind: string;
  spotNodes: number;
  onDemandNodes: number;
  hourlyCostUsd: number;
  nodes: OverviewNode[];
}

/** Groups with their nodes (spot first, then by name); groups without nodes are kept (scaled to zero). */
export function topologyOf(
  groups: readonly OverviewGroup[],
  nodes: readonly OverviewNode[],
): TopologyGroup[] {
  const out = new Map<string | null, TopologyGroup>(
    groups.map((g) => [
      g.nodeGroupId,
      {
        nodeGroupId: g.nodeGroupId,
        name: g.name,
        kind: g.kind,
        spotNodes: 0,
        onDemandNodes: 0,
        hourlyCostUsd: 0,
        nodes: [],
      },
    ]),
  );
  for (const n of nodes) {
    const key = n.nodeGroupId !== null && out.has(n.nodeGroupId) ? n.nodeGroupId : null;
    let g = out.get(key);
    if (!g) {
      g = {
        nodeGroupId: null,
        name: 'Unmanaged nodes',
        kind: 'manual',
        spotNodes: 0,
        onDemandNodes: 0,
        hourlyCostUsd: 0,
        nodes: [],
      };
      out.set(null, g);
    }
    g.nodes.push(n);
    if (n.capacityType === 'spot') g.spotNodes += 1;
    else g.onDemandNodes += 1;
    g.hourlyCostUsd += n.hourlyPriceUsd ?? 0;
  }
  for (const g of out.values())
    g.nodes.sort(
      (a, b) =>
        (a.capacityType === b.capacityType ? 0 : a.capacityType === 'spot' ? -1 : 1) ||
        a.nodeName.localeCompare(b.nodeName),
    );
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export type AlertSeverity = 'critical' | 'warning' | 'info';
export type AlertKind =
  | 'spot-reclaim-risk'
  | 'node-pressure'
  | 'node-not-ready'
  | 'pending-pods'
  | 'heartbeat-lost';

export interface ClusterAlert {
  kind: AlertKind;
  severity: AlertSeverity;
  message: string;
  /** The rule that raised it, in words (shown beside the alert). */
  rule: string;
}

/** Spot advisor bucket of a type in the cluster's region: index 0 (<5%) .. 4 (>20%), and its label. */
export type SpotBucketOf = (instanceType: string) => { index: number; label: string } | null;

/** Buckets 15-20% and >20% are high risk, 10-15% medium (the advisor's own bands). */
export const spotRiskHighFromBucket = 3;
export const spotRiskMediumFromBucket = 2;
/** No contact for this long: the agent is lost (the registry's health score reaches 0 at the same age). */
export const heartbeatLostMinutes = 120;

export interface AlertInput {
  nodes: readonly OverviewNode[];
  spotBucketOf: SpotBucketOf;
  pendingPods: number;
  /** Latest of agent heartbeat, snapshot and sync; `null` when never. */
  lastContactAt: string | null;
  /** Whether an agent is installed (an agentless cluster has no heartbeat to lose). */
  agentConnected: boolean;
  now: Date;
}

const severityOrder: Record<AlertSeverity, number> = { critical: 0, warning: 1, info: 2 };
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The active warnings, most severe first. */
export function alertFeed(input: AlertInput): ClusterAlert[] {
  const alerts: ClusterAlert[] = [];
  // Spot reclaim risk per zone: the worst bucket among the zone's spot nodes.
  const zones = new Map<
    string,
    { count: number; worst: { index: number; label: string; type: string } | null }
  >();
  for (const n of input.nodes) {
    if (n.capacityType !== 'spot') continue;
    const z = zones.get(n.zone) ?? { count: 0, worst: null };
    z.count += 1;
    const bucket = input.spotBucketOf(n.instanceType);
    if (bucket && (!z.worst || bucket.index > z.worst.index)) z.worst = { ...bucket, type: n.instanceType };
    zones.set(n.zone, z);
  }
  for (const [zone, z] of [...zones].sort(([a], [b]) => a.localeCompare(b))) {
    if (!z.worst || z.worst.index < spotRiskMediumFromBucket) continue;
    const high = z.worst.index >= spotRiskHighFromBucket;
    alerts.push({
      kind: 'spot-reclaim-risk',
      severity: high ? 'critical' : 'warning',
      message: `Spot Instance Reclaim Risk ${high ? 'High' : 'Medium'} in zone ${zone}: ${plural(z.count, 'spot node')}, ${z.worst.type} is reclaimed ${z.worst.label} of the time.`,
      rule: 'Spot Instance Advisor interruption bucket of the zone’s spot types: 10-15% medium, 15% or more high',
    });
  }
  for (const n of input.nodes) {
    if (!n.ready)
      alerts.push({
        kind: 'node-not-ready',
        severity: 'critical',
        message: `Node ${n.nodeName} is not Ready.`,
        rule: 'Node condition Ready is not True',
      });
    if (n.pressure.length > 0)
      alerts.push({
        kind: 'node-pressure',
        severity: 'warning',
        message: `Node ${n.nodeName} reports ${n.pressure.join(', ')}.`,
        rule: 'Node condition DiskPressure, MemoryPressure or PIDPressure is True',
      });
  }
  if (input.pendingPods > 0)
    alerts.push({
      kind: 'pending-pods',
      severity: 'warning',
      message: `${plural(input.pendingPods, 'pod')} pending: no node fits ${input.pendingPods === 1 ? 'it' : 'them'}.`,
      rule: 'Pods in phase Pending at the last snapshot',
    });
  if (input.agentConnected) {
    const ageMinutes =
      input.lastContactAt === null ? null : (input.now.getTime() - Date.parse(input.lastContactAt)) / 60_000;
    if (ageMinutes === null || ageMinutes >= heartbeatLostMinutes)
      alerts.push({
        kind: 'heartbeat-lost',
        severity: 'critical',
        message:
          ageMinutes === null
            ? 'The agent has never reported: check its pod in the spot-optimizer namespace.'
            : `No heartbeat from the agent for ${Math.floor(ageMinutes / 60)} h ${Math.floor(ageMinutes % 60)} min: check its pod in the spot-optimizer namespace.`,
        rule: `No agent heartbeat, snapshot or sync for ${heartbeatLostMinutes} minutes`,
      });
  }
  return alerts
    .map((a, i) => ({ a, i }))
    .sort((x, y) => severityOrder[x.a.severity] - severityOrder[y.a.severity] || x.i - y.i)
    .map(({ a }) => a);
}
