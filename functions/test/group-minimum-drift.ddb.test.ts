import { beforeAll, describe, expect, it } from 'vitest';
import { groupMinimumEntity, groupMinimumKey } from '../src/data/entities/group-minimum';
import { nodeEntity } from '../src/data/entities/node';
import { clusterChildrenQuery } from '../src/data/entities/partitions';
import { getItem, queryAll } from '../src/data/repository';
import { recordMinimumSet } from '../src/domain/group-minimum-drift';
import {
  type DiscoveryHarness,
  installDiscoveryHarness,
  runDiscovery,
  sandboxTarget,
  seedSandboxAccount,
} from './discovery-support';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * A node group minimum set back outside the product (ADR 0073), on a discovered sandbox account: the
 * product lowers a self-managed ASG's minimum and records it, the customer's "Terraform" then re-applies
 * the old minimum through the sandbox cloud with the account's own keys, and the next discovery's
 * inventory shows it. The dry run reports it once (Activity, audit) and stops lowering the group until
 * the policy is saved again; a person's edit through the product is the product's own change, not drift.
 */

type User = Awaited<ReturnType<typeof signUpAndIn>>;
type Group = {
  nodeGroupId: string;
  name: string;
  kind: string;
  minSize: number;
  desiredSize: number;
  maxSize: number;
  autoScalingGroupNames: string[];
};
let user: User;
let harness: DiscoveryHarness;
let accountId: string;
let clusterId: string;
let region: string;
let group: Group;

/** The group's ASG as the sandbox cloud has it now, read with the account's own keys. */
async function liveAsg() {
  const target = sandboxTarget(harness, region);
  const name = group.autoScalingGroupNames[0] ?? group.name;
  const live = (await harness.sandbox.describeAutoScalingGroups(target)).find((g) => g.name === name);
  if (!live) throw new Error(`no ASG ${name}`);
  return live;
}

/** The customer's own tooling (Terraform) writing the ASG with the account's keys, outside the product. */
async function iacSetsMinimum(minSize: number) {
  const target = sandboxTarget(harness, region);
  const name = group.autoScalingGroupNames[0] ?? group.name;
  const live = (await harness.sandbox.describeAutoScalingGroups(target)).find((g) => g.name === name);
  if (!live) throw new Error(`no ASG ${name}`);
  await harness.sandbox.updateAutoScalingGroup(target, {
    name,
    minSize,
    desiredCapacity: Math.max(live.desiredCapacity, minSize),
    maxSize: live.maxSize,
  });
}

const dryRun = async () => {
  const res = await call('POST /api/client/clusters/{id}/consolidation', {
    token: user.accessToken,
    path: { id: clusterId },
    body: { dryRun: true },
  });
  expect(res.status, res.raw).toBe(200);
  return res.body as { minimumDrift: Record<string, unknown>[] };
};
const rediscover = async () => {
  const run = await runDiscovery(harness, user.orgId, accountId);
  expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
};
const driftActions = async () =>
  (
    (
      await call('GET /api/client/clusters/{id}/actions', {
        token: user.accessToken,
        path: { id: clusterId },
      })
    ).body as { items: { kind: string; node: string; result: string | null }[] }
  ).items.filter((a) => a.kind === 'group-minimum-drift');
const driftAudits = async () =>
  (
    (
      await call('GET /api/client/audit', {
        token: user.accessToken,
        query: { event: 'consolidation.nodegroup.minimum.drift' },
      })
    ).body as { items: { after: Record<string, unknown> }[] }
  ).items;
let policyVersion = 0;
const savePolicy = async () => {
  const put = await call('PUT /api/client/clusters/{id}/policy', {
    token: user.accessToken,
    path: { id: clusterId },
    body: {
      version: policyVersion,
      policy: { infrastructure: { binPacking: { aggressiveness: 'aggressive', lowerGroupMinimums: true } } },
    },
  });
  expect(put.status, put.raw).toBe(200);
  policyVersion += 1;
};

beforeAll(async () => {
  await useLocalServices();
  // The small world (account 0: the two staging clusters, 40 and 20 nodes): the test runs five whole
  // discoveries and needs one self-managed ASG of minimum ≥ 1 (staging's legacy-workers), not the fleet.
  harness = installDiscoveryHarness({ size: 'small' });
  user = await signUpAndIn('Drift Org');
  ({ accountId } = await seedSandboxAccount(harness, user.orgId, 0));
  await rediscover();
  const list = await call('GET /api/client/clusters', { token: user.accessToken });
  for (const item of list.body.items as { id: string }[]) {
    const detail = await call('GET /api/client/clusters/{id}', {
      token: user.accessToken,
      path: { id: item.id },
    });
    const asg = (detail.body.nodeGroups as Group[]).find(
      (g) => g.kind === 'asg' && g.autoScalingGroupNames.length > 0 && g.minSize >= 1,
    );
    if (asg) {
      clusterId = item.id;
      group = asg;
      region = String((detail.body.cluster as { region: string }).region);
      break;
    }
  }
  expect(clusterId, 'a sandbox cluster with a self-managed ASG of minimum ≥ 1').toBeDefined();
  await savePolicy();
}, 240_000);

describe('a node group minimum set back outside the product (ADR 0073, sandbox)', () => {
  it('is reported once and no longer lowered until the policy is saved again; a person’s edit through the product is no drift', async () => {
    const original = group.minSize;
    const lowered = original - 1;
    // The product lowers the minimum (the cloud write a takeover step makes) and records it, as a run does.
    const edit = await call('PUT /api/client/clusters/{id}/node-groups/{groupId}', {
      token: user.accessToken,
      path: { id: clusterId, groupId: group.nodeGroupId },
      body: { minSize: lowered, maxSize: group.maxSize },
    });
    expect(edit.status, edit.raw).toBe(200);
    await recordMinimumSet(
      user.orgId,
      clusterId,
      { nodeGroupId: group.nodeGroupId, nodeGroupName: group.name, minSize: lowered, setBy: 'cr-sandbox' },
      new Date(),
    );
    await rediscover();
    expect((await dryRun()).minimumDrift).toEqual([]);
    expect(await driftActions()).toEqual([]);

    // Terraform re-applies its min_size; the next discovery reads it.
    await iacSetsMinimum(original);
    await rediscover();
    const plan = await dryRun();
    expect(plan.minimumDrift).toEqual([
      expect.objectContaining({
        nodeGroupId: group.nodeGroupId,
        setMinSize: lowered,
        observedMinSize: original,
        message: expect.stringContaining(
          `The minimum of ${group.name} was set back to ${original} outside the product`,
        ),
      }),
    ]);
    // Read again (another discovery, another plan): still held, reported once.
    await rediscover();
    expect((await dryRun()).minimumDrift).toHaveLength(1);
    const actions = await driftActions();
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ node: group.name });
    expect(actions[0]?.result).toContain('infrastructure as code?');
    const audits = await driftAudits();
    expect(audits).toHaveLength(1);
    expect(audits[0]?.after).toMatchObject({ nodeGroup: group.name, minSize: original });
    const record = await getItem(
      groupMinimumEntity,
      groupMinimumKey(user.orgId, clusterId, group.nodeGroupId),
    );
    expect(record?.drift).toMatchObject({ observedMinSize: original });

    // Saving the policy ends the yield.
    await savePolicy();
    expect((await dryRun()).minimumDrift).toEqual([]);

    // A person raising the minimum through the product: the record follows, no drift after discovery.
    await iacSetsMinimum(lowered);
    const raise = await call('PUT /api/client/clusters/{id}/node-groups/{groupId}', {
      token: user.accessToken,
      path: { id: clusterId, groupId: group.nodeGroupId },
      body: { minSize: original, maxSize: group.maxSize },
    });
    expect(raise.status, raise.raw).toBe(200);
    await rediscover();
    expect((await dryRun()).minimumDrift).toEqual([]);
    const after = await getItem(
      groupMinimumEntity,
      groupMinimumKey(user.orgId, clusterId, group.nodeGroupId),
    );
    expect(after).toMatchObject({ setMinSize: original, setBy: 'node group edit', drift: null });
    expect(await driftActions()).toHaveLength(1);
  }, 240_000);

  it('a hibernate/wake cycle is the product’s own write: no drift while asleep or after the wake; IaC’s set-back before a sleep is still reported', async () => {
    const readRecord = () =>
      getItem(groupMinimumEntity, groupMinimumKey(user.orgId, clusterId, group.nodeGroupId), true);
    const liveMinimum = async () => (await liveAsg()).minSize;
    // A person lowers the minimum to 0 through the product: the product's own value, recorded.
    const edit = await call('PUT /api/client/clusters/{id}/node-groups/{groupId}', {
      token: user.accessToken,
      path: { id: clusterId, groupId: group.nodeGroupId },
      body: { minSize: 0, maxSize: group.maxSize },
    });
    expect(edit.status, edit.raw).toBe(200);
    await recordMinimumSet(
      user.orgId,
      clusterId,
      { nodeGroupId: group.nodeGroupId, nodeGroupName: group.name, minSize: 0, setBy: 'node group edit' },
      new Date(),
    );
    const reportsBefore = (await driftActions()).length;
    // Pods of a critical namespace run on the group: the sleep keeps the nodes they need, pinned
    // (min = desired = max), so it writes a minimum above the 0 the product set.
    const nodes = await queryAll(nodeEntity, clusterChildrenQuery(user.orgId, clusterId, 'NODE'));
    const critical = nodes
      .filter((n) => n.nodeGroupId === group.nodeGroupId)
      .flatMap((n) => (n.movablePods ?? []).map((p) => p.namespace))[0];
    expect(critical, 'a pod on the group').toBeDefined();
    const grid = Array.from({ length: 7 }, () => Array.from({ length: 48 }, () => true));
    const schedule = await call('PUT /api/client/clusters/{id}/hibernation', {
      token: user.accessToken,
      path: { id: clusterId },
      body: {
        version: 0,
        schedule: {
          enabled: false,
          timeZone: 'UTC',
          weeklyGrid: grid,
          protection: { criticalNamespaces: [critical] },
        },
        overrides: [],
      },
    });
    expect(schedule.status, schedule.raw).toBe(200);

    const sleep = () =>
      call('POST /api/client/clusters/{id}/hibernation/sleep', {
        token: user.accessToken,
        path: { id: clusterId },
      });
    const wake = () =>
      call('POST /api/client/clusters/{id}/hibernation/wake', {
        token: user.accessToken,
        path: { id: clusterId },
        body: { hours: 1 },
      });
    const slept = await sleep();
    expect(slept.status, slept.raw).toBe(200);
    const asleep = await liveMinimum();
    expect(asleep, 'the sleep pins the kept nodes').toBeGreaterThan(0);
    await rediscover();
    expect((await dryRun()).minimumDrift, 'asleep').toEqual([]);
    expect(await readRecord()).toMatchObject({ setMinSize: asleep, setBy: 'hibernation sleep', drift: null });

    const woken = await wake();
    expect(woken.status, woken.raw).toBe(200);
    expect(await liveMinimum()).toBe(0);
    await rediscover();
    expect((await dryRun()).minimumDrift, 'woken').toEqual([]);
    expect(await readRecord()).toMatchObject({ setMinSize: 0, setBy: 'hibernation wake', drift: null });
    expect(await driftActions()).toHaveLength(reportsBefore);

    // Terraform sets its minimum back while the cluster runs and, before any read, the cluster sleeps: the
    // sleep's own read reports it, and the wake (which restores what the sleep read) keeps it held.
    await iacSetsMinimum(group.minSize);
    expect((await sleep()).status).toBe(200);
    const reports = await driftActions();
    expect(reports).toHaveLength(reportsBefore + 1);
    expect(
      reports.filter((r) =>
        r.result?.includes(
          `The minimum of ${group.name} was set back to ${group.minSize} outside the product (it had set 0)`,
        ),
      ),
    ).toHaveLength(1);
    expect((await wake()).status).toBe(200);
    expect(await liveMinimum()).toBe(group.minSize);
    await rediscover();
    expect((await dryRun()).minimumDrift).toEqual([
      expect.objectContaining({ setMinSize: 0, observedMinSize: group.minSize }),
    ]);
    expect(await readRecord()).toMatchObject({ setMinSize: 0, drift: { observedMinSize: group.minSize } });
    expect(await driftActions()).toHaveLength(reportsBefore + 1);
  }, 300_000);
});
