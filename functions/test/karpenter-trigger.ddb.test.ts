import { nodeTemplateDraftSchema, policySchema } from '@spot/shared';
import { spotRecoveryQuietMs } from '@spot/shared/policy/spot-fallback';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { queryAll } from '../src/data/repository';
import { pendingCommandsForAgent } from '../src/domain/agent-commands';
import { autoReconcileKarpenter } from '../src/domain/karpenter-trigger';
import { setMaintenance } from '../src/domain/maintenance';
import { createTemplate } from '../src/domain/node-templates';
import { getPolicy, savePolicy } from '../src/domain/policies';
import { runSpotFallback } from '../src/domain/spot-fallback';
import { configurePorts } from '../src/ports';
import type {
  AutoScalingGroup,
  CustomerCloudPort,
  DistributionUpdate,
  ScalingActivity,
} from '../src/ports/cloud';
import type { KubernetesPort } from '../src/ports/kubernetes';
import { type SeededCluster, seedCluster } from './clusters-support';
import { signUpAndIn, useLocalServices } from './support/services';

/**
 * ADR 0046 against DynamoDB Local: the automatic Karpenter reconcile after a policy save and on the
 * periodic sync (guards, skips audited once, no duplicate commands), and the spot fallback of
 * ASG-launched capacity through a scripted cloud port (happy path, missing permission, revert).
 */

vi.mock('../src/domain/accounts-connect', async (original) => ({
  ...(await original<typeof import('../src/domain/accounts-connect')>()),
  cloudTargetOf: async () => ({
    region: 'us-east-1',
    credentials: { kind: 'role', roleArn: 'arn:aws:iam::111122223333:role/spot', externalId: 'ext' },
  }),
}));

const kubernetes = { listKarpenterObjects: async () => [] } as unknown as KubernetesPort;

// The cloud as the spot fallback sees it: one mixed group per cluster, its failed launches, its writes.
let groups: AutoScalingGroup[] = [];
let activities: ScalingActivity[] = [];
let writeDenied = false;
const updates: { name: string; onDemandBaseCapacity: number; onDemandPercentageAboveBase: number }[] = [];
const cloud = {
  describeAutoScalingGroups: async () => structuredClone(groups),
  describeScalingActivities: async () => structuredClone(activities),
  async updateOnDemandDistribution(
    _t: unknown,
    update: (typeof updates)[number],
  ): Promise<DistributionUpdate> {
    if (writeDenied)
      return {
        outcome: 'skipped',
        reason: 'access-denied',
        message:
          'The role lacks autoscaling:UpdateAutoScalingGroup: update the onboarding stack with EnableWriteActions=true.',
      };
    updates.push(update);
    const g = groups.find((x) => x.name === update.name);
    if (g) Object.assign(g, update);
    return { outcome: 'updated' };
  },
} as unknown as CustomerCloudPort;

let clock = new Date('2026-08-01T10:00:00Z');
let orgId = '';
let user: Awaited<ReturnType<typeof signUpAndIn>>;
let cluster: SeededCluster;

beforeAll(async () => {
  await useLocalServices();
  configurePorts({ kubernetes, cloud, clock: { now: () => clock } });
});
beforeEach(() => {
  clock = new Date(clock.getTime() + 3_600_000);
  groups = [];
  activities = [];
  writeDenied = false;
  updates.length = 0;
});

const audits = async (action: string) =>
  (await queryAll(auditRecordEntity, auditRecordsQuery(orgId))).filter((r) => r.action === action);
const agentPolls = () => pendingCommandsForAgent({ orgId, clusterId: cluster.clusterId }, clock);
const author = () => ({ userId: user.userId, email: 'owner@example.com' });

async function seed(name: string) {
  user = await signUpAndIn(`Trigger ${name}`);
  orgId = user.orgId;
  cluster = await seedCluster(orgId, { name });
}

async function saveOrgPolicy(
  infrastructure: Record<string, unknown>,
  workload: Record<string, unknown> = {},
) {
  const current = await getPolicy(orgId, { level: 'organization' });
  await savePolicy(
    orgId,
    { level: 'organization' },
    { version: current.version, policy: policySchema.parse({ infrastructure, workload }) },
    author(),
    clock,
  );
}

const template = () =>
  createTemplate(
    orgId,
    nodeTemplateDraftSchema.parse({
      name: 'General',
      families: ['m5'],
      architecture: 'x86_64',
      capacityType: 'spot',
      disk: { type: 'gp3', sizeGiB: 40 },
    }),
    clock,
  ).then((r) => r.template.id);

describe('automatic Karpenter reconcile', () => {
  it('runs after a save that changes the Karpenter fields, not after one that does not; repeats add nothing', async () => {
    await seed('save');
    await agentPolls(); // the agent is in write mode
    const templateId = await template();
    await saveOrgPolicy({ autoscaling: { enabled: true, nodeTemplateId: templateId } });
    const first = await agentPolls();
    expect(first.commands.map((c) => c.command.type)).toEqual(['apply-karpenter', 'apply-karpenter']);
    const reconciles = await audits('cluster.karpenter.reconcile');
    expect(reconciles.map((r) => [r.actorName, r.outcome])).toEqual([['system: optimizer', 'success']]);

    // A rightsizing change does not touch the NodePool: nothing is reconciled.
    await saveOrgPolicy(
      { autoscaling: { enabled: true, nodeTemplateId: templateId } },
      { rightsizing: { safetyBufferPct: 30 } },
    );
    expect(await audits('cluster.karpenter.reconcile')).toHaveLength(1);
    // The periodic sync with nothing changed (the commands not yet applied) enqueues no duplicate.
    const periodic = await autoReconcileKarpenter(orgId, cluster.clusterId, clock);
    expect(periodic.outcome).toBe('reconciled');
    expect((await agentPolls()).commands).toEqual([]);

    // The consolidation card changes the NodePool's disruption: one new apply.
    await saveOrgPolicy({
      autoscaling: { enabled: true, nodeTemplateId: templateId },
      binPacking: { method: 'delete-empty' },
    });
    const after = await agentPolls();
    expect(after.commands).toHaveLength(1);
    expect(
      after.commands[0]?.command.type === 'apply-karpenter' &&
        after.commands[0].command.manifest.spec.disruption,
    ).toMatchObject({ consolidationPolicy: 'WhenEmpty' });
  });

  it('skips quietly, audited once per reason, in maintenance and without an agent in write mode', async () => {
    await seed('skips');
    const templateId = await template();
    // Never polled: not in write mode.
    await saveOrgPolicy({ autoscaling: { enabled: true, nodeTemplateId: templateId } });
    expect(await autoReconcileKarpenter(orgId, cluster.clusterId, clock)).toMatchObject({
      outcome: 'skipped',
      reason: 'agent-not-in-write-mode',
    });
    let skips = await audits('cluster.karpenter.reconcile');
    expect(skips).toHaveLength(1);
    expect(skips[0]).toMatchObject({ outcome: 'denied', actorName: 'system: optimizer' });
    expect(JSON.stringify(skips[0]?.after)).toContain('writeMode.enabled=true');

    await agentPolls();
    await setMaintenance(
      orgId,
      cluster.clusterId,
      { enabled: true, reason: 'upgrade' },
      { email: 'owner@example.com' },
      clock,
    );
    for (let i = 0; i < 2; i++)
      expect(await autoReconcileKarpenter(orgId, cluster.clusterId, clock)).toMatchObject({
        outcome: 'skipped',
        reason: 'maintenance',
      });
    skips = await audits('cluster.karpenter.reconcile');
    expect(skips.map((s) => (s.after as { reason?: string }).reason)).toEqual([
      'agent-not-in-write-mode',
      'maintenance',
    ]);
    expect((await agentPolls()).commands).toEqual([]);

    // Maintenance off: the reconcile runs, and a later skip is news again.
    await setMaintenance(orgId, cluster.clusterId, { enabled: false }, { email: 'owner@example.com' }, clock);
    expect((await autoReconcileKarpenter(orgId, cluster.clusterId, clock)).outcome).toBe('reconciled');
    expect((await agentPolls()).commands).toHaveLength(2);
  });

  it('does nothing, and reads nothing more, for a cluster with nothing of ours', async () => {
    await seed('nothing');
    expect(await autoReconcileKarpenter(orgId, cluster.clusterId, clock)).toEqual({
      outcome: 'nothing-to-do',
    });
    expect(await audits('cluster.karpenter.reconcile')).toEqual([]);
  });
});

describe('spot fallback of Auto Scaling groups', () => {
  const group = (): AutoScalingGroup => ({
    name: 'workers',
    minSize: 1,
    desiredCapacity: 3,
    maxSize: 6,
    instanceIds: [],
    instanceTypes: ['m5.large'],
    onDemandPercentageAboveBase: 0,
    onDemandBaseCapacity: 1,
    tags: { [`kubernetes.io/cluster/${cluster.name}`]: 'owned' },
  });
  const iceAt = (at: Date): ScalingActivity => ({
    activityId: `a-${at.getTime()}`,
    statusCode: 'Failed',
    statusMessage:
      'We currently do not have sufficient m5.large capacity in the Availability Zone you requested (us-east-1a).',
    description: 'Launching a new EC2 instance.  Status Reason: InsufficientInstanceCapacity.',
    startTime: at.toISOString(),
  });

  it('falls back to on-demand while spot launches fail, audited, and reverts once they stop', async () => {
    await seed('fallback');
    groups = [group()];
    activities = [{ ...iceAt(clock), statusCode: 'Successful' }];
    expect((await runSpotFallback(orgId, cluster.clusterId, clock)).switched).toEqual([]);

    activities = [iceAt(new Date(clock.getTime() - 60_000))];
    const out = await runSpotFallback(orgId, cluster.clusterId, clock);
    expect(out.switched.map((s) => [s.kind, s.outcome])).toEqual([['fall-back', 'updated']]);
    expect(updates).toEqual([{ name: 'workers', onDemandBaseCapacity: 1, onDemandPercentageAboveBase: 100 }]);
    const [audit] = await audits('cluster.spot-fallback');
    expect(audit).toMatchObject({ actorName: 'system: optimizer', outcome: 'success' });
    expect(audit?.after).toMatchObject({ autoScalingGroup: 'workers', onDemandPercentageAboveBase: 100 });

    // Still within the quiet period: nothing more.
    clock = new Date(clock.getTime() + 10 * 60_000);
    expect((await runSpotFallback(orgId, cluster.clusterId, clock)).switched).toEqual([]);
    // Quiet long enough: the original distribution is put back.
    clock = new Date(clock.getTime() + spotRecoveryQuietMs);
    const back = await runSpotFallback(orgId, cluster.clusterId, clock);
    expect(back.switched.map((s) => [s.kind, s.to])).toEqual([
      ['revert', { onDemandBaseCapacity: 1, onDemandPercentageAboveBase: 0 }],
    ]);
    expect(groups[0]?.onDemandPercentageAboveBase).toBe(0);
    expect(await audits('cluster.spot-fallback.revert')).toHaveLength(1);
    // Reverted: a later sync finds nothing to do.
    expect((await runSpotFallback(orgId, cluster.clusterId, clock)).switched).toEqual([]);
  });

  it('skips when the role may not update the group, naming the permission, audited once', async () => {
    await seed('denied');
    groups = [group()];
    activities = [iceAt(clock)];
    writeDenied = true;
    for (let i = 0; i < 2; i++) {
      const out = await runSpotFallback(orgId, cluster.clusterId, clock);
      expect(out.switched.map((s) => s.outcome)).toEqual(['skipped']);
    }
    const skips = await audits('cluster.spot-fallback');
    expect(skips).toHaveLength(1);
    expect(skips[0]?.outcome).toBe('denied');
    expect(JSON.stringify(skips[0]?.after)).toContain('autoscaling:UpdateAutoScalingGroup');
    expect(updates).toEqual([]);
  });

  it('never switches a cluster in maintenance', async () => {
    await seed('maintenance');
    groups = [group()];
    activities = [iceAt(clock)];
    await setMaintenance(
      orgId,
      cluster.clusterId,
      { enabled: true, reason: 'upgrade' },
      { email: 'owner@example.com' },
      clock,
    );
    const out = await runSpotFallback(orgId, cluster.clusterId, clock);
    expect(out.switched).toEqual([]);
    expect(out.skipped[0]?.reason).toMatch(/maintenance/);
    expect(updates).toEqual([]);
  });
});
