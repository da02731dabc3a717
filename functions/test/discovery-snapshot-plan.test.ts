import { type ClusterSnapshot, nodeTemplateSpecSchema, type RegistryFindings } from '@spot/shared';
import { type DashboardCard, decodeCard, encodeDigest } from '@spot/shared/dashboard/index';
import { decodeRegistryRow } from '@spot/shared/registry/index';
import { defaultSummaryPolicy } from '@spot/shared/savings/cluster-summary/index';
import { noLivePrices } from '@spot/shared/savings/node-pricing';
import { hourOf } from '@spot/shared/savings/rollups';
import { buildSnapshotModel } from '@spot/shared/savings/snapshot-model';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterEntity, clusterKey } from '../src/data/entities/cluster';
import { registryIndexShardKey } from '../src/data/entities/cluster-registry-index';
import { clusterRegistryRowKey } from '../src/data/entities/cluster-registry-row';
import { clusterRollupKey } from '../src/data/entities/cluster-rollup';
import { clusterSeriesKey } from '../src/data/entities/cluster-series';
import { dashboardDigestEntity, dashboardDigestVersionKey } from '../src/data/entities/dashboard-digest';
import { nodeEntity } from '../src/data/entities/node';
import { nodeGroupEntity } from '../src/data/entities/node-group';
import { workloadEntity } from '../src/data/entities/workload';
import { where } from '../src/data/expressions';
import { keyOfItem } from '../src/data/items';
import type { WriteOperation } from '../src/data/write-plan';
import {
  type ClusterItem,
  planSnapshotWrites,
  type SnapshotPlanInput,
} from '../src/domain/discovery/snapshot-plan';
import { fixtureSnapshot } from './fixtures/k8s/snapshot';

// The planner is pure: every case below runs without a database.
const now = new Date('2026-07-01T12:00:00.000Z');
let snapshot: ClusterSnapshot;

beforeAll(async () => {
  snapshot = await fixtureSnapshot({ now });
});

const cluster: ClusterItem = clusterEntity.schema.parse({
  orgId: 'org-1',
  clusterId: 'eks-1',
  accountId: 'acct-1',
  awsAccountId: '111122223333',
  name: 'prod',
  region: 'us-east-1',
  kubernetesVersion: '1.29',
  nodeCount: 0,
  monthlyRunRateUsd: 0,
  discoveredAt: '2026-07-01T00:00:00.000Z',
});

function input(overrides: Partial<SnapshotPlanInput> = {}): SnapshotPlanInput {
  return {
    cluster,
    snapshot,
    model: buildSnapshotModel(snapshot, cluster.region, noLivePrices),
    live: noLivePrices,
    nodes: [],
    workloads: [],
    nodeGroups: [],
    rollups: [],
    reuse: null,
    policy: defaultSummaryPolicy,
    template: null,
    timeZone: 'UTC',
    binPacking: null,
    now,
    ...overrides,
  };
}

const batchOf = (writes: WriteOperation[]) => {
  const batch = writes[0];
  if (batch?.kind !== 'batch') throw new Error('the plan starts with the batch');
  return batch.requests;
};
const putsOf = (writes: WriteOperation[], entity: string) =>
  batchOf(writes).flatMap((r) => ('put' in r && r.put.entity === entity ? [r.put] : []));
const deletesOf = (writes: WriteOperation[]) =>
  batchOf(writes).flatMap((r) => ('delete' in r ? [r.delete] : []));

/** The findings the plan sets on the Cluster item (its third write). */
const findingsSet = (write: WriteOperation | undefined): RegistryFindings => {
  if (write?.kind !== 'update') throw new Error('the third write updates the Cluster item');
  return (write.spec as { set: { findings: RegistryFindings } }).set.findings;
};

describe('planSnapshotWrites', () => {
  it('writes every node, workload and node group of a first snapshot, then rollup, cluster and series', () => {
    const plan = planSnapshotWrites(input());
    expect(plan.writes.map((w) => w.kind)).toEqual(['batch', 'update', 'update', 'transaction']);
    expect(putsOf(plan.writes, 'Node')).toHaveLength(3);
    expect(putsOf(plan.writes, 'Workload')).toHaveLength(5);
    expect(putsOf(plan.writes, 'NodeGroup').map((g) => g.nodeGroupId)).toEqual([
      'mng-general',
      'mng-spot-general',
      'karpenter-gpu',
    ]);
    expect(deletesOf(plan.writes)).toEqual([]);

    const [, rollup, clusterUpdate, series] = plan.writes;
    expect(rollup).toMatchObject({
      kind: 'update',
      key: clusterRollupKey('org-1', 'eks-1', hourOf(snapshot.capturedAt)),
      spec: { add: { podChurn: 8 } },
    });
    expect(clusterUpdate).toMatchObject({
      kind: 'update',
      key: clusterKey('org-1', 'eks-1'),
      condition: where.itemExists(),
      spec: { set: { nodeCount: 3, podCount: 8, collection: { status: 'ok', reason: null } } },
    });
    // Rollups were read: card, registry row (with its trend) and series are written whole, together.
    expect(series).toMatchObject({ kind: 'transaction' });
    if (series?.kind !== 'transaction') throw new Error('unreachable');
    expect(series.items.map((i) => ('put' in i ? i.put.entity : 'other'))).toEqual([
      'ClusterCard',
      'ClusterRegistryRow',
      'other',
      'ClusterSeries',
      'DashboardDigest',
      'other',
    ]);
    // ... and the card's dashboard digest (ADR 0062), the digest of that very card, and its shard's
    // counter moved by 1 (ADR 0064).
    const card = (series.items[0] as { put: { card: string } }).put.card;
    expect(series.items[4]).toEqual({
      put: dashboardDigestEntity.toItem({
        orgId: 'org-1',
        clusterId: 'eks-1',
        digest: encodeDigest(decodeCard(card) as DashboardCard),
      }),
    });
    expect(series.items[5]).toEqual({
      update: dashboardDigestVersionKey('org-1', 'eks-1'),
      spec: { add: { v: 1 }, set: { entity: 'DashboardDigestVersion' } },
    });
    // ... and the row's index entry and week-over-week costs in its shard (ADR 0053), in the same transaction.
    expect(series.items[2]).toMatchObject({
      update: registryIndexShardKey('org-1', 'eks-1'),
      spec: { set: { 'r:eks-1': expect.any(String), 't:eks-1': expect.any(String) } },
    });
    const registry = series.items[1] as { put: { row: string; trend: string } };
    expect(decodeRegistryRow(registry.put.row)).toMatchObject({
      clusterId: 'eks-1',
      nodeCount: 3,
      podCount: 8,
    });
    expect(JSON.parse(registry.put.trend).nodes24h).toHaveLength(24);
    expect(JSON.parse(registry.put.trend).pods24h).toHaveLength(24);
    expect(plan).toMatchObject({ nodeCount: 3, podCount: 8, writeCount: 11 + 2 });
  });

  it("keeps each node's taints and each workload's scheduling constraints for the consolidation plan (ADR 0057)", () => {
    const plan = planSnapshotWrites(input());
    const nodes = putsOf(plan.writes, 'Node').map((n) => nodeEntity.fromItem(n));
    const gpu = nodes.find((n) => n.nodeGroupId === 'karpenter-gpu');
    expect(gpu?.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
    expect(
      nodes.filter((n) => n !== gpu).every((n) => Array.isArray(n.taints) && n.taints.length === 0),
    ).toBe(true);
    const workloads = putsOf(plan.writes, 'Workload').map((w) => workloadEntity.fromItem(w));
    expect(workloads.find((w) => w.name.startsWith('trainer'))?.scheduling).toEqual({
      nodeSelector: { 'karpenter.sh/nodepool': 'gpu' },
      requiredNodeAffinity: [],
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      groupBound: false,
    });
    expect(workloads.find((w) => w.name === 'web')?.scheduling).toMatchObject({
      nodeSelector: {},
      tolerations: [],
    });
  });

  it('writes nothing for items that did not change, and deletes what went away', () => {
    const first = planSnapshotWrites(input());
    const nodes = putsOf(first.writes, 'Node').map((i) => nodeEntity.fromItem(i));
    const workloads = putsOf(first.writes, 'Workload').map((i) => workloadEntity.fromItem(i));
    const nodeGroups = putsOf(first.writes, 'NodeGroup').map((i) => nodeGroupEntity.fromItem(i));
    const gone = { ...(nodes[0] as (typeof nodes)[number]), nodeName: 'ip-10-0-0-99.ec2.internal' };
    const again = planSnapshotWrites(input({ nodes: [...nodes, gone], workloads, nodeGroups }));
    expect(putsOf(again.writes, 'Node')).toEqual([]);
    expect(putsOf(again.writes, 'Workload')).toEqual([]);
    expect(putsOf(again.writes, 'NodeGroup')).toEqual([]);
    expect(deletesOf(again.writes)).toEqual([keyOfItem(nodeEntity.toItem(gone))]);
    expect(again.writes[1]).toMatchObject({ spec: { add: { podChurn: 0 } } });
  });

  it('flushes a finished day of a workload to its month rollup', () => {
    const first = planSnapshotWrites(input());
    const workloads = putsOf(first.writes, 'Workload').map((i) => workloadEntity.fromItem(i));
    const yesterday = workloads.map((w) => ({
      ...w,
      today: w.today ? { ...w.today, date: '2026-06-30' } : null,
    }));
    const plan = planSnapshotWrites(input({ workloads: yesterday }));
    const rollups = putsOf(plan.writes, 'WorkloadRollup');
    expect(rollups).toHaveLength(5);
    expect(
      rollups.every((r) => r.month === '2026-06' && Object.keys(r.days as object)[0] === '2026-06-30'),
    ).toBe(true);
  });

  it('updates only the series fields within the hour, with the card alone as a fallback', () => {
    const first = planSnapshotWrites(input());
    const summary = first.summary;
    const plan = planSnapshotWrites(
      input({
        cluster: { ...cluster, summary: summary as unknown as Record<string, unknown> },
        rollups: null,
        reuse: { window: summary.historyWindow, idle: summary.idle },
      }),
    );
    const series = plan.writes[3];
    if (series?.kind !== 'transaction') throw new Error('the plan ends with the series transaction');
    expect(series.items[1]).toMatchObject({
      update: clusterSeriesKey('org-1', 'eks-1'),
      condition: where.itemExists(),
    });
    // The registry row follows the card, in both the transaction and its fallback (ADR 0045).
    // ... and so does its index entry (ADR 0053).
    const registryRow = { update: clusterRegistryRowKey('org-1', 'eks-1') };
    const indexEntry = {
      update: registryIndexShardKey('org-1', 'eks-1'),
      spec: { set: { 'r:eks-1': expect.any(String) } },
    };
    // ... and its dashboard digest and its shard's counter, last (ADR 0062, ADR 0064).
    const digest = { put: { entity: 'DashboardDigest', clusterId: 'eks-1', digest: expect.any(String) } };
    const counter = { update: dashboardDigestVersionKey('org-1', 'eks-1'), spec: { add: { v: 1 } } };
    expect(series.items[2]).toMatchObject(registryRow);
    expect(series.items[3]).toMatchObject(indexEntry);
    expect(series.items[4]).toMatchObject(digest);
    expect(series.items[5]).toMatchObject(counter);
    expect(series.items).toHaveLength(6);
    expect(series.ifConditionFails).toMatchObject({
      item: 1,
      instead: {
        kind: 'transaction',
        items: [{}, { check: clusterKey('org-1', 'eks-1') }, registryRow, indexEntry, digest, counter],
      },
    });
  });

  it('counts the Compliance & Drift findings of the items it leaves onto the Cluster item and the row (ADR 0068)', () => {
    const template = {
      id: 'tpl-m5',
      name: 'M5 only',
      spec: nodeTemplateSpecSchema.parse({
        families: ['m5'],
        architecture: 'x86_64',
        capacityType: 'hybrid',
        disk: { type: 'gp3', sizeGiB: 50 },
      }),
    };
    const plan = planSnapshotWrites(input({ template }));
    const [, , clusterUpdate, series] = plan.writes;
    const findings = findingsSet(clusterUpdate);
    // The fixture runs 2 × m5.xlarge and 1 × g4dn.xlarge, and a privileged pod; its endpoint access is
    // unknown (not evaluated, so not failing).
    expect(findings).toMatchObject({ driftNodes: 1, driftTypes: ['g4dn.xlarge'] });
    expect(findings.failing.map(([rule]) => rule)).toContain('4.2.1');
    expect(findings.failing.map(([rule]) => rule)).not.toContain('5.4.2');
    const row = ((series as { items: { put: { row?: string } }[] }).items[1]?.put.row ?? '') as string;
    expect(decodeRegistryRow(row)?.findings).toEqual(findings);
    // Without a template nothing is checked for drift: `null`, not 0.
    expect(findingsSet(planSnapshotWrites(input()).writes[2]).driftNodes).toBeNull();
  });

  it('keeps the fields a caller adds to the Cluster item (agent state)', () => {
    const agent = {
      lastHeartbeatAt: now.toISOString(),
      lastSnapshotAt: now.toISOString(),
      version: '1.0.0',
      permissions: null,
    };
    const plan = planSnapshotWrites(input({ clusterUpdate: { agent } }));
    expect(plan.writes[2]).toMatchObject({ spec: { set: { agent } } });
  });
});
