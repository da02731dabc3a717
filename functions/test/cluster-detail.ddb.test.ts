import { sandboxKeys } from '@spot/local/sandbox/index';
import { loadCatalog } from '@spot/shared/pricing/catalog';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { cloudAccountEntity, cloudAccountKey } from '../src/data/entities/cloud-account';
import { clusterKey } from '../src/data/entities/cluster';
import { instanceLauncherKey } from '../src/data/entities/instance-launcher';
import { nodeEntity } from '../src/data/entities/node';
import { batchWrite, getItem, getRaw, putItem, updateItem } from '../src/data/repository';
import { seedCluster } from './clusters-support';
import {
  type DiscoveryHarness,
  installDiscoveryHarness,
  runDiscovery,
  sandboxTarget,
  seedSandboxAccount,
} from './discovery-support';
import { expectContractResponse } from './support/contract';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * The cluster detail tabs' routes (issue 17 item 5, ADR 0052) against DynamoDB Local and a discovered
 * sandbox account: drift against the node template, the CIS subset on the snapshot, and editing a node
 * group through the sandbox cloud (sizes written, audited; AWS's rules, maintenance mode, a missing
 * permission and another organization's ids refused).
 */

type User = Awaited<ReturnType<typeof signUpAndIn>>;
type Group = {
  nodeGroupId: string;
  name: string;
  kind: string;
  minSize: number;
  maxSize: number;
  desiredSize: number;
  capacityType: 'on-demand' | 'spot' | 'mixed';
  autoScalingGroupNames: string[];
};
let a: User;
let b: User;
let harness: DiscoveryHarness;
let accountId: string;
let clusterId: string;
let groups: Group[];
/** The r5 a person launched by hand in the drift test (its launcher is then kept, ADR 0078). */
let handLaunched: string | undefined;
/** A cluster with a spot or mixed ASG (a mixed instances policy) and that group. */
let spotCluster: { id: string; group: Group } | undefined;
/** A cluster with an EKS managed node group, and that group (picked explicitly: ids are random per run). */
let managedCluster: { id: string; name: string; region: string; group: Group } | undefined;

const groupOf = (kind: string) => {
  // An ASG discovery found through the Auto Scaling API (a group known only from node labels has no ASG name).
  const g = groups.find((x) => x.kind === kind && (kind !== 'asg' || x.autoScalingGroupNames.length > 0));
  if (!g) throw new Error(`the sandbox cluster has no ${kind}`);
  return g;
};
const put = (token: string, groupId: string, body: unknown, id = clusterId) =>
  call('PUT /api/client/clusters/{id}/node-groups/{groupId}', { token, path: { id, groupId }, body });
/** The group's Auto Scaling group as the sandbox cloud has it now, read with the account's own keys. */
async function liveAsg(groupName: string, id = clusterId) {
  const detail = await call('GET /api/client/clusters/{id}', {
    token: a.accessToken,
    path: { id },
  });
  const group = (detail.body.nodeGroups as { name: string; autoScalingGroupNames: string[] }[]).find(
    (g) => g.name === groupName,
  );
  const asgName = group?.autoScalingGroupNames[0] ?? groupName;
  const all = await harness.sandbox.describeAutoScalingGroups(
    sandboxTarget(harness, String((detail.body.cluster as { region: string }).region)),
  );
  return all.find((g) => g.name === asgName);
}

beforeAll(async () => {
  await useLocalServices();
  harness = installDiscoveryHarness();
  a = await signUpAndIn('Detail Org A');
  b = await signUpAndIn('Detail Org B');
  ({ accountId } = await seedSandboxAccount(harness, a.orgId, 0));
  const run = await runDiscovery(harness, a.orgId, accountId);
  expect(run.record.status, JSON.stringify(run.record.error)).toBe('SUCCEEDED');
  const list = await call('GET /api/client/clusters', { token: a.accessToken });
  // A cluster with an Auto Scaling group: the sandbox's clusters mix ASGs, managed node groups and pools.
  for (const item of list.body.items as { id: string }[]) {
    const detail = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: item.id },
    });
    const gs = detail.body.nodeGroups as Group[];
    const mixed = gs.find(
      (g) => g.kind === 'asg' && g.autoScalingGroupNames.length > 0 && g.capacityType !== 'on-demand',
    );
    if (mixed && !spotCluster) spotCluster = { id: item.id, group: mixed };
    const managed = gs.find((g) => g.kind === 'managed-node-group');
    if (managed && !managedCluster) {
      const c = detail.body.cluster as { name: string; region: string };
      managedCluster = { id: item.id, name: c.name, region: c.region, group: managed };
    }
    if (!clusterId && gs.some((g) => g.kind === 'asg' && g.autoScalingGroupNames.length > 0)) {
      clusterId = item.id;
      groups = gs;
    }
  }
  expect(clusterId).toBeDefined();
}, 240_000);

describe('GET /api/client/clusters/{id}/drift', () => {
  it('says why nothing is checked without a template, then lists the nodes the default template forbids', async () => {
    const none = await call('GET /api/client/clusters/{id}/drift', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(none.status, none.raw).toBe(200);
    expectContractResponse('GET /api/client/clusters/{id}/drift', none);
    expect(none.body).toMatchObject({ template: null, checkedNodes: 0, drifted: [] });
    expect(String(none.body.note)).toContain('No node template');

    const template = await call('POST /api/client/node-templates', {
      token: a.accessToken,
      body: {
        name: 'Graviton only',
        families: ['m7g'],
        architecture: 'arm64',
        // Both capacity types: only the family and architecture decide drift here.
        capacityType: 'hybrid',
        disk: { type: 'gp3', sizeGiB: 50 },
        isDefault: true,
      },
    });
    expect(template.status, template.raw).toBe(201);
    const drift = await call('GET /api/client/clusters/{id}/drift', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expectContractResponse('GET /api/client/clusters/{id}/drift', drift);
    const detail = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    const nodes = detail.body.nodes as {
      nodeName: string;
      instanceType: string;
      nodeGroupId: string | null;
    }[];
    expect(drift.body.template).toEqual({ id: template.body.id, name: 'Graviton only' });
    expect(drift.body.checkedNodes).toBe(nodes.length);
    const drifted = drift.body.drifted as {
      nodeName: string;
      instanceType: string;
      launchedBy: { kind: string; name: string | null };
      reasons: { code: string }[];
    }[];
    // Every node that is not an m7g is reported, with the group that launched it.
    const expected = nodes.filter((n) => !n.instanceType.startsWith('m7g.'));
    expect(drifted.map((d) => d.nodeName).sort()).toEqual(expected.map((n) => n.nodeName).sort());
    for (const d of drifted) {
      const node = nodes.find((n) => n.nodeName === d.nodeName);
      const group = groups.find((g) => g.nodeGroupId === node?.nodeGroupId);
      expect(d.launchedBy).toEqual(
        group ? { kind: group.kind, name: group.name } : { kind: 'manual', name: null },
      );
      expect(d.reasons.map((r) => r.code)).toContain('family-not-allowed');
    }
  });

  it('refuses an id the contract refuses with a message naming it, never a 500', async () => {
    const res = await call('GET /api/client/clusters/{id}/drift', {
      token: a.accessToken,
      path: { id: 'd'.repeat(101) },
    });
    expect(res.status, res.raw).toBe(400);
    expect(res.body.message).toMatch(/^id: /);
  });

  it('names who launched a hand-launched forbidden instance (its RunInstances caller, account masked) and when', async () => {
    // The default template of the test above ("Graviton only") is still in force.
    const keys = sandboxKeys(harness.sandbox).accounts[0];
    if (!keys) throw new Error('no sandbox account');
    const detail = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    const region = String((detail.body.cluster as { region: string }).region);
    // A person runs an r5 with the account's own keys (the IAM user), outside any group...
    const { instanceId } = harness.sandbox.runInstances(
      {
        region,
        credentials: {
          kind: 'access-key',
          accessKeyId: keys.accessKeyId,
          secretAccessKey: keys.secretAccessKey,
        },
      },
      { instanceType: 'r5.2xlarge' },
    );
    handLaunched = instanceId;
    // ...and it joins the cluster: the node item a snapshot writes for it.
    const launchedAt = new Date(harness.sandbox.now()).toISOString();
    await putItem(nodeEntity, {
      orgId: a.orgId,
      clusterId,
      accountId,
      nodeName: 'ip-10-77-0-1.ec2.internal',
      instanceId,
      instanceType: 'r5.2xlarge',
      capacityType: 'on-demand',
      zone: `${region}a`,
      nodeGroupId: null,
      allocatableCpuMilli: 7910,
      allocatableMemoryMiB: 63_000,
      allocatablePods: 58,
      requestedCpuMilli: 0,
      requestedMemoryMiB: 0,
      usedCpuMilli: null,
      usedMemoryMiB: null,
      podCount: 0,
      movablePods: null,
      labels: {},
      doNotDisrupt: false,
      ready: true,
      pressure: [],
      hourlyPriceUsd: 0.504,
      priceSource: 'catalog',
      launchedAt,
    });
    const drift = await call('GET /api/client/clusters/{id}/drift', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(drift.status, drift.raw).toBe(200);
    expectContractResponse('GET /api/client/clusters/{id}/drift', drift);
    const drifted = drift.body.drifted as {
      nodeName: string;
      launchedBy: { kind: string };
      launchedByPrincipal: string | null;
      launchedByPrincipalAt: string | null;
      launchedByPrincipalNote: string | null;
    }[];
    const mine = drifted.find((d) => d.nodeName === 'ip-10-77-0-1.ec2.internal');
    const masked = `${keys.awsAccountId.slice(0, 4)}-****-****`;
    expect(mine).toMatchObject({
      launchedBy: { kind: 'manual', name: null },
      launchedByPrincipal: `arn:aws:iam::${masked}:user/sandbox-admin`,
      launchedByPrincipalAt: launchedAt,
      launchedByPrincipalNote: null,
    });
    // No full account id in the answer.
    expect(drift.raw).not.toContain(keys.awsAccountId);
    // Group-launched nodes name the group's launcher role; CloudTrail is asked about 20 instances at most.
    const grouped = drifted.filter((d) => d.launchedBy.kind !== 'manual');
    for (const d of grouped)
      expect(d.launchedByPrincipal ?? d.launchedByPrincipalNote).toMatch(
        /assumed-role\/(AWSServiceRoleForAutoScaling|KarpenterControllerRole-)|^unknown \((no RunInstances|not looked up)/,
      );
    if (grouped.length > 0) expect(grouped.some((d) => d.launchedByPrincipal !== null)).toBe(true);
    // The drift test above read the tab once: the 20 launchers it named are kept, this read asked about 20
    // more (the hand-launched r5 first).
    const asked = drifted.filter((d) => !d.launchedByPrincipalNote?.includes('not looked up'));
    expect(asked.length).toBe(Math.min(40, drifted.length));

    // Another organization's cluster stays a 404, CloudTrail or not.
    const other = await call('GET /api/client/clusters/{id}/drift', {
      token: b.accessToken,
      path: { id: clusterId },
    });
    expect(other.status).toBe(404);
  });
});

describe('GET /api/client/clusters/{id}/drift: launchers kept (ADR 0078)', () => {
  type Drifted = {
    nodeName: string;
    launchedByPrincipal: string | null;
    launchedByPrincipalNote: string | null;
  };
  const read = async () => {
    const res = await call('GET /api/client/clusters/{id}/drift', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(res.status, res.raw).toBe(200);
    return res.body.drifted as Drifted[];
  };
  const askedIds = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.flatMap((c) => c[1] as string[]);

  it('asks CloudTrail again about no instance whose launcher it named; a refusal is not kept', async () => {
    if (!handLaunched) throw new Error('the drift test launched an instance by hand');
    const kept = await getRaw(instanceLauncherKey(a.orgId, clusterId, handLaunched));
    expect(kept).toMatchObject({ entity: 'InstanceLauncher', outcome: 'found', instanceId: handLaunched });
    const spy = vi.spyOn(harness.sandbox, 'lookupInstanceLaunches');
    try {
      // The drift test's read kept what CloudTrail said: the r5 is named without asking about it again.
      const first = await read();
      expect(askedIds(spy)).not.toContain(handLaunched);
      expect(first.find((d) => d.nodeName === 'ip-10-77-0-1.ec2.internal')?.launchedByPrincipal).toMatch(
        /:user\/sandbox-admin$/,
      );
      // Each read asks about 20 instances not answered yet at most; once all are, a read asks nothing.
      let settled = first;
      for (let i = 0; i < 6 && spy.mock.calls.length > 0; i++) {
        spy.mockClear();
        settled = await read();
      }
      spy.mockClear();
      const again = await read();
      expect(spy).not.toHaveBeenCalled();
      expect(again).toEqual(settled);
      expect(again.filter((d) => d.launchedByPrincipal !== null).length).toBeGreaterThan(0);

      // A second hand launch, read while the role may not call LookupEvents: said so, and not kept...
      const keys = sandboxKeys(harness.sandbox).accounts[0];
      if (!keys) throw new Error('no sandbox account');
      const detail = await call('GET /api/client/clusters/{id}', {
        token: a.accessToken,
        path: { id: clusterId },
      });
      const region = { region: String((detail.body.cluster as { region: string }).region) };
      const { instanceId } = harness.sandbox.runInstances(
        {
          region: region.region,
          credentials: {
            kind: 'access-key',
            accessKeyId: keys.accessKeyId,
            secretAccessKey: keys.secretAccessKey,
          },
        },
        { instanceType: 'r5.xlarge' },
      );
      await putItem(nodeEntity, {
        orgId: a.orgId,
        clusterId,
        accountId,
        nodeName: 'ip-10-77-0-2.ec2.internal',
        instanceId,
        instanceType: 'r5.xlarge',
        capacityType: 'on-demand',
        zone: `${region.region}a`,
        nodeGroupId: null,
        allocatableCpuMilli: 3920,
        allocatableMemoryMiB: 31_000,
        allocatablePods: 58,
        requestedCpuMilli: 0,
        requestedMemoryMiB: 0,
        usedCpuMilli: null,
        usedMemoryMiB: null,
        podCount: 0,
        movablePods: null,
        labels: {},
        doNotDisrupt: false,
        ready: true,
        pressure: [],
        hourlyPriceUsd: 0.252,
        priceSource: 'catalog',
        launchedAt: new Date(harness.sandbox.now()).toISOString(),
      });
      spy.mockClear();
      spy.mockImplementationOnce(async (_target, ids) =>
        Object.fromEntries(
          ids.map((id) => [
            id,
            {
              outcome: 'unknown' as const,
              reason: 'access-denied' as const,
              message: 'cloudtrail:LookupEvents not allowed',
            },
          ]),
        ),
      );
      const denied = await read();
      expect(askedIds(spy)).toEqual([instanceId]);
      expect(denied.find((d) => d.nodeName === 'ip-10-77-0-2.ec2.internal')).toMatchObject({
        launchedByPrincipal: null,
        launchedByPrincipalNote: 'unknown (cloudtrail:LookupEvents not allowed)',
      });
      expect(await getRaw(instanceLauncherKey(a.orgId, clusterId, instanceId))).toBeUndefined();
      // ...so once the permission is there, the next read asks again and names the launcher, kept from then on.
      spy.mockClear();
      const granted = await read();
      expect(askedIds(spy)).toEqual([instanceId]);
      expect(granted.find((d) => d.nodeName === 'ip-10-77-0-2.ec2.internal')?.launchedByPrincipal).toMatch(
        /:user\/sandbox-admin$/,
      );
      spy.mockClear();
      await read();
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('GET /api/client/clusters/{id}/compliance', () => {
  it('finds the privileged, host-network DaemonSets and the public endpoint, each with its CIS rule id', async () => {
    const res = await call('GET /api/client/clusters/{id}/compliance', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(res.status, res.raw).toBe(200);
    expectContractResponse('GET /api/client/clusters/{id}/compliance', res);
    const findings = res.body.findings as {
      ruleId: string;
      status: string;
      objects: { kind: string; namespace: string | null; name: string; podCount: number }[];
    }[];
    const rule = (id: string) => findings.find((f) => f.ruleId === id);
    expect(rule('4.2.1')?.status).toBe('fail');
    expect(rule('4.2.1')?.objects).toContainEqual(
      expect.objectContaining({ kind: 'DaemonSet', namespace: 'kube-system', name: 'aws-node' }),
    );
    expect(rule('4.2.4')?.objects.map((o) => o.name)).toEqual(
      expect.arrayContaining(['aws-node', 'kube-proxy']),
    );
    // The sandbox's EKS endpoints are public from anywhere, as EKS creates them by default.
    expect(rule('5.4.2')).toMatchObject({ status: 'fail', objects: [{ kind: 'Cluster' }] });
    expect(res.body.summary).toMatchObject({ compliant: false });
    expect(res.body.evaluatedAt).not.toBeNull();
  });

  it('refuses an id the contract refuses with a message naming it, never a 500', async () => {
    const res = await call('GET /api/client/clusters/{id}/compliance', {
      token: a.accessToken,
      path: { id: 'c'.repeat(101) },
    });
    expect(res.status, res.raw).toBe(400);
    expect(res.body.message).toMatch(/^id: /);
  });
});

describe('PUT /api/client/clusters/{id}/node-groups/{groupId}', () => {
  it('writes an ASG’s sizes through the cloud, keeps desired within them, updates the item and audits it', async () => {
    const asg = groupOf('asg');
    const maxSize = asg.maxSize + 2;
    const res = await put(a.accessToken, asg.nodeGroupId, { minSize: 0, maxSize });
    expect(res.status, res.raw).toBe(200);
    expectContractResponse('PUT /api/client/clusters/{id}/node-groups/{groupId}', res);
    expect(res.body.after).toMatchObject({ minSize: 0, maxSize });
    expect(res.body.actions).toEqual(['autoscaling:UpdateAutoScalingGroup']);

    const live = await liveAsg(asg.name);
    expect(live).toMatchObject({ minSize: 0, maxSize });

    const detail = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect((detail.body.nodeGroups as Group[]).find((g) => g.nodeGroupId === asg.nodeGroupId)).toMatchObject({
      minSize: 0,
      maxSize,
    });
    const trail = await call('GET /api/client/audit', {
      token: a.accessToken,
      query: { event: 'cluster.node-group.update' },
    });
    const record = (trail.body.items as { target: string; before: unknown; after: unknown }[])[0];
    expect(record?.target).toBe(`cluster/${clusterId}/node-group/${asg.nodeGroupId}`);
    expect(record?.after).toMatchObject({ minSize: 0, maxSize });
  });

  it('writes a managed node group’s sizes through EKS (UpdateNodegroupConfig), updates the item and audits it', async () => {
    if (!managedCluster) throw new Error('the sandbox account has no cluster with a managed node group');
    const { id, name, region, group } = managedCluster;
    const maxSize = group.maxSize + 1;
    const minSize = Math.max(0, group.minSize - 1);
    const res = await put(a.accessToken, group.nodeGroupId, { minSize, maxSize }, id);
    expect(res.status, res.raw).toBe(200);
    expectContractResponse('PUT /api/client/clusters/{id}/node-groups/{groupId}', res);
    expect(res.body.actions).toEqual(['eks:UpdateNodegroupConfig']);
    expect(res.body.after).toMatchObject({ minSize, maxSize });

    // EKS as the sandbox has it now, read with the account's own keys.
    const live = (await harness.sandbox.listNodegroups(sandboxTarget(harness, region), name)).find(
      (g) => g.name === group.name,
    );
    expect(live).toMatchObject({ minSize, maxSize });
    expect(live?.desiredSize).toBeGreaterThanOrEqual(minSize);
    expect(live?.desiredSize).toBeLessThanOrEqual(maxSize);

    const detail = await call('GET /api/client/clusters/{id}', { token: a.accessToken, path: { id } });
    expect(
      (detail.body.nodeGroups as Group[]).find((g) => g.nodeGroupId === group.nodeGroupId),
    ).toMatchObject({
      minSize,
      maxSize,
    });
    const trail = await call('GET /api/client/audit', {
      token: a.accessToken,
      query: { event: 'cluster.node-group.update' },
    });
    const record = (trail.body.items as { target: string; after: unknown }[]).find(
      (r) => r.target === `cluster/${id}/node-group/${group.nodeGroupId}`,
    );
    expect(record?.after).toMatchObject({ minSize, maxSize });
  });

  it('refuses input AWS would refuse, naming the rule, before any call', async () => {
    const asg = groupOf('asg');
    const bad = await put(a.accessToken, asg.nodeGroupId, { minSize: 5, maxSize: 2 });
    expect(bad.status).toBe(400);
    expect(bad.raw).toContain('minSize must not exceed maxSize');
    const negative = await put(a.accessToken, asg.nodeGroupId, { minSize: -1, maxSize: 2 });
    expect(negative.status).toBe(400);
    const huge = await put(a.accessToken, asg.nodeGroupId, { minSize: 0, maxSize: 5000 });
    expect(huge.status).toBe(400);
    expect(huge.raw).toContain('check the number');
    const missing = await put(a.accessToken, 'asg-no-such-group', { minSize: 0, maxSize: 2 });
    expect(missing.status).toBe(404);
    // EKS refuses a managed node group's maxSize 0 (its own rule), checked on a group picked explicitly.
    if (!managedCluster) throw new Error('the sandbox account has no cluster with a managed node group');
    const zero = await put(
      a.accessToken,
      managedCluster.group.nodeGroupId,
      { minSize: 0, maxSize: 0 },
      managedCluster.id,
    );
    expect(zero.status).toBe(400);
    expect(zero.raw).toContain('maxSize 0');
  });

  it('switches spot mode on an ASG’s mixed instances policy through the cloud, audited before and after', async () => {
    // An ASG with a mixed instances policy (the sandbox gives one to its spot and mixed groups).
    if (!spotCluster) throw new Error('the sandbox account has no spot or mixed ASG');
    const { id, group: mixed } = spotCluster;
    const asgBefore = await liveAsg(mixed.name, id);
    expect(asgBefore?.onDemandPercentageAboveBase).not.toBeNull();
    const sizes = { minSize: asgBefore?.minSize ?? 0, maxSize: asgBefore?.maxSize ?? 1 };

    const off = await put(a.accessToken, mixed.nodeGroupId, { ...sizes, spotMode: false }, id);
    expect(off.status, off.raw).toBe(200);
    expectContractResponse('PUT /api/client/clusters/{id}/node-groups/{groupId}', off);
    expect(off.body.before).toMatchObject({ capacityType: mixed.capacityType });
    expect(off.body.after).toMatchObject({ ...sizes, capacityType: 'on-demand' });
    // Only the distribution was written: the sizes were the same.
    expect(off.body.actions).toEqual(['autoscaling:UpdateAutoScalingGroup (mixed instances distribution)']);
    // The sandbox's Auto Scaling group now launches on-demand only.
    expect(await liveAsg(mixed.name, id)).toMatchObject({
      onDemandPercentageAboveBase: 100,
      onDemandBaseCapacity: 0,
    });
    const detail = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id },
    });
    expect(
      (detail.body.nodeGroups as Group[]).find((g) => g.nodeGroupId === mixed.nodeGroupId)?.capacityType,
    ).toBe('on-demand');

    const on = await put(a.accessToken, mixed.nodeGroupId, { ...sizes, spotMode: true }, id);
    expect(on.status, on.raw).toBe(200);
    expect(on.body.before).toMatchObject({ capacityType: 'on-demand' });
    expect(on.body.after).toMatchObject({ capacityType: 'spot' });
    expect(await liveAsg(mixed.name, id)).toMatchObject({ onDemandPercentageAboveBase: 0 });

    // Each switch is one audit record of the group, with the capacity type before and after, newest first.
    const trail = await call('GET /api/client/audit', {
      token: a.accessToken,
      query: { event: 'cluster.node-group.update' },
    });
    const records = (
      trail.body.items as { target: string; outcome: string; before: unknown; after: unknown }[]
    ).filter((r) => r.target === `cluster/${id}/node-group/${mixed.nodeGroupId}`);
    expect(records.slice(0, 2)).toMatchObject([
      { outcome: 'success', before: { capacityType: 'on-demand' }, after: { capacityType: 'spot' } },
      {
        outcome: 'success',
        before: { capacityType: mixed.capacityType },
        after: { capacityType: 'on-demand' },
      },
    ]);
  });

  it('refuses a spot mode that is not a boolean, or one the group cannot switch, naming why', async () => {
    const asg = groupOf('asg');
    const before = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    for (const spotMode of ['yes', 1, null]) {
      const bad = await put(a.accessToken, asg.nodeGroupId, { minSize: 0, maxSize: 3, spotMode });
      expect(bad.status, JSON.stringify(spotMode)).toBe(400);
      expect(bad.raw).toContain('spotMode');
      expect(bad.raw).toContain('must be true or false');
    }
    // A managed node group's capacity type is fixed by EKS at creation.
    const managed = groups.find((g) => g.kind === 'managed-node-group');
    if (managed) {
      const flip = managed.capacityType === 'on-demand';
      const res = await put(a.accessToken, managed.nodeGroupId, {
        minSize: managed.minSize,
        maxSize: Math.max(1, managed.maxSize),
        spotMode: flip,
      });
      expect(res.status, res.raw).toBe(400);
      expect(res.raw).toContain('EKS fixes a managed node group');
    }
    // An on-demand ASG without a mixed instances policy has no purchase option to switch.
    const plain = groups.find(
      (g) => g.kind === 'asg' && g.autoScalingGroupNames.length > 0 && g.capacityType === 'on-demand',
    );
    if (plain) {
      const res = await put(a.accessToken, plain.nodeGroupId, {
        minSize: plain.minSize,
        maxSize: plain.maxSize,
        spotMode: true,
      });
      expect(res.status, res.raw).toBe(400);
      expect(res.raw).toContain('has no mixed instances policy');
    }
    expect(managed ?? plain, 'the sandbox cluster has a group that cannot switch').toBeDefined();
    const after = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(after.body.nodeGroups).toEqual(before.body.nodeGroups);
  });

  it('is refused in maintenance mode and leaves the group as it was', async () => {
    const asg = groupOf('asg');
    const on = await call('PUT /api/client/clusters/{id}/maintenance', {
      token: a.accessToken,
      path: { id: clusterId },
      body: { enabled: true, reason: 'EKS upgrade' },
    });
    expect(on.status, on.raw).toBe(200);
    const before = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    const res = await put(a.accessToken, asg.nodeGroupId, { minSize: 1, maxSize: 9 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CLUSTER_IN_MAINTENANCE');
    expectContractResponse('PUT /api/client/clusters/{id}/node-groups/{groupId}', res);
    const after = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(after.body.nodeGroups).toEqual(before.body.nodeGroups);
    await call('PUT /api/client/clusters/{id}/maintenance', {
      token: a.accessToken,
      path: { id: clusterId },
      body: { enabled: false },
    });
  });

  it('names the missing permission (422) when the role was deployed without write actions', async () => {
    const account = await getItem(cloudAccountEntity, cloudAccountKey(a.orgId, accountId));
    if (!account) throw new Error('account missing');
    const externalId = 'detail-test-external-id-0001';
    const { roleArn } = harness.sandbox.deployOnboardingStack(account.awsAccountId ?? '', externalId, false);
    await putItem(cloudAccountEntity, { ...account, method: 'role', roleArn, externalId });
    try {
      const res = await put(a.accessToken, groupOf('asg').nodeGroupId, { minSize: 0, maxSize: 4 });
      expect(res.status, res.raw).toBe(422);
      expectContractResponse('PUT /api/client/clusters/{id}/node-groups/{groupId}', res);
      expect(res.raw).toContain('autoscaling:UpdateAutoScalingGroup');
      expect(res.raw).toContain('EnableWriteActions');
    } finally {
      await putItem(cloudAccountEntity, account);
    }
  });

  it('another organization’s cluster is a 404 on every detail route, and nothing changes', async () => {
    const asg = groupOf('asg');
    for (const key of [
      'GET /api/client/clusters/{id}/drift',
      'GET /api/client/clusters/{id}/compliance',
    ] as const) {
      const res = await call(key, { token: b.accessToken, path: { id: clusterId } });
      expect(res.status, key).toBe(404);
    }
    const before = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    const res = await put(b.accessToken, asg.nodeGroupId, { minSize: 0, maxSize: 1 });
    expect(res.status).toBe(404);
    // Spot mode too: another organization cannot switch the purchase option of this one's group.
    const live = await liveAsg(asg.name);
    const spot = await put(b.accessToken, asg.nodeGroupId, { minSize: 0, maxSize: 1, spotMode: false });
    expect(spot.status).toBe(404);
    expect(await liveAsg(asg.name)).toEqual(live);
    const after = await call('GET /api/client/clusters/{id}', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(after.body.nodeGroups).toEqual(before.body.nodeGroups);
  });
});

describe('GET/PUT /api/client/clusters/{id}/budget', () => {
  it('stores the budget on the cluster, answers the burndown of this month and audits the change', async () => {
    const none = await call('GET /api/client/clusters/{id}/budget', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(none.status, none.raw).toBe(200);
    expectContractResponse('GET /api/client/clusters/{id}/budget', none);
    expect(none.body).toMatchObject({ monthlyBudgetUsd: null, status: 'no-budget' });
    // Discovery back-filled hourly rollups: this month has spend.
    expect(Number(none.body.monthToDateUsd)).toBeGreaterThan(0);

    const set = await call('PUT /api/client/clusters/{id}/budget', {
      token: a.accessToken,
      path: { id: clusterId },
      body: { monthlyBudgetUsd: 1 },
    });
    expect(set.status, set.raw).toBe(200);
    expectContractResponse('PUT /api/client/clusters/{id}/budget', set);
    expect(set.body).toMatchObject({ monthlyBudgetUsd: 1, status: 'over-budget' });
    const days = set.body.days as { cumulativeUsd: number | null; budgetCumulativeUsd: number | null }[];
    expect(days.at(-1)?.budgetCumulativeUsd).toBe(1);
    const last = days.filter((d) => d.cumulativeUsd !== null).at(-1);
    expect(last?.cumulativeUsd).toBe(set.body.monthToDateUsd);

    const again = await call('GET /api/client/clusters/{id}/budget', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(again.body.monthlyBudgetUsd).toBe(1);
    const trail = await call('GET /api/client/audit', {
      token: a.accessToken,
      query: { event: 'cluster.budget.update' },
    });
    expect((trail.body.items as { before: unknown; after: unknown }[])[0]).toMatchObject({
      before: { monthlyBudgetUsd: null },
      after: { monthlyBudgetUsd: 1 },
    });
  });

  it('refuses a budget that is not a positive number, and another organization’s cluster', async () => {
    for (const monthlyBudgetUsd of [-5, 0, 'lots']) {
      const bad = await call('PUT /api/client/clusters/{id}/budget', {
        token: a.accessToken,
        path: { id: clusterId },
        body: { monthlyBudgetUsd },
      });
      expect(bad.status, String(monthlyBudgetUsd)).toBe(400);
      expect(bad.raw).toContain('monthlyBudgetUsd');
    }
    const theirs = await call('PUT /api/client/clusters/{id}/budget', {
      token: b.accessToken,
      path: { id: clusterId },
      body: { monthlyBudgetUsd: 99 },
    });
    expect(theirs.status).toBe(404);
    const read = await call('GET /api/client/clusters/{id}/budget', {
      token: b.accessToken,
      path: { id: clusterId },
    });
    expect(read.status).toBe(404);
    const mine = await call('GET /api/client/clusters/{id}/budget', {
      token: a.accessToken,
      path: { id: clusterId },
    });
    expect(mine.body.monthlyBudgetUsd).toBe(1);
  });
});

describe('the alert feed of GET /api/client/clusters/{id}', () => {
  /** A node of the seeded cluster, as a snapshot writes it. */
  const nodeOf = (
    ids: { orgId: string; clusterId: string; accountId: string },
    i: number,
    fields: { instanceType: string; capacityType: 'spot' | 'on-demand'; zone: string },
    state: { ready?: boolean; pressure?: string[] } = {},
  ) =>
    nodeEntity.toItem({
      ...ids,
      ...fields,
      nodeName: `ip-10-9-${i}-1.ec2.internal`,
      instanceId: `i-0${i.toString(16).padStart(16, '0')}`,
      nodeGroupId: null,
      allocatableCpuMilli: 1930,
      allocatableMemoryMiB: 7000,
      allocatablePods: 29,
      requestedCpuMilli: 0,
      requestedMemoryMiB: 0,
      usedCpuMilli: null,
      usedMemoryMiB: null,
      podCount: 0,
      movablePods: null,
      labels: {},
      doNotDisrupt: false,
      ready: state.ready ?? true,
      pressure: state.pressure ?? [],
      hourlyPriceUsd: 0.05,
      priceSource: 'catalog',
      launchedAt: new Date().toISOString(),
    });
  const alertsOf = async (token: string, id: string) => {
    const res = await call('GET /api/client/clusters/{id}', { token, path: { id } });
    return { res, alerts: (res.body.alerts ?? []) as { kind: string; severity: string; message: string }[] };
  };

  it('raises spot reclaim risk per zone from the advisor buckets, pressure, pending pods and a lost heartbeat', async () => {
    const catalog = loadCatalog();
    const region = 'us-east-1';
    const bucketOf = (type: string) => catalog.instanceType(type)?.spot[region]?.[1];
    // Types picked by their Spot Instance Advisor bucket in the catalog: high (15% or more), medium
    // (10-15%) and low (under 5%).
    const candidates = [
      'm5.large',
      'm5.xlarge',
      'm6i.large',
      'm5.2xlarge',
      'c5.large',
      'c5.xlarge',
      'r5.large',
    ];
    const high = candidates.find((t) => (bucketOf(t) ?? -1) >= 3);
    const medium = candidates.find((t) => bucketOf(t) === 2);
    const low = candidates.find((t) => bucketOf(t) === 0);
    if (!high || !medium || !low) throw new Error('the catalog has moved: pick other instance types');
    const labelOf = (type: string) => catalog.interruptionLabel(bucketOf(type) ?? -1);

    const seeded = await seedCluster(a.orgId, { region, name: 'alerts-feed' });
    const ids = { orgId: a.orgId, clusterId: seeded.clusterId, accountId: seeded.accountId };
    await batchWrite([
      // Zone a: two spot nodes, the worst of them high risk; a high-risk type on demand does not count.
      { put: nodeOf(ids, 1, { instanceType: high, capacityType: 'spot', zone: `${region}a` }) },
      { put: nodeOf(ids, 2, { instanceType: low, capacityType: 'spot', zone: `${region}a` }) },
      { put: nodeOf(ids, 3, { instanceType: high, capacityType: 'on-demand', zone: `${region}c` }) },
      // Zone b: medium risk, and a node under memory pressure.
      {
        put: nodeOf(
          ids,
          4,
          { instanceType: medium, capacityType: 'spot', zone: `${region}b` },
          { pressure: ['MemoryPressure'] },
        ),
      },
      // Zone d: spot of the lowest bucket only, no alert; a node that is not Ready.
      {
        put: nodeOf(
          ids,
          5,
          { instanceType: low, capacityType: 'spot', zone: `${region}d` },
          { ready: false },
        ),
      },
    ]);
    const threeHoursAgo = new Date(Date.now() - 3 * 3_600_000 - 5 * 60_000).toISOString();
    await updateItem(clusterKey(a.orgId, seeded.clusterId), {
      set: {
        agentTokenSha256: 'a'.repeat(64),
        agent: { lastHeartbeatAt: threeHoursAgo, lastSnapshotAt: threeHoursAgo, version: '1.4.0' },
        summary: { capacity: { pendingPods: 3 } },
      },
    });

    const { res, alerts } = await alertsOf(a.accessToken, seeded.clusterId);
    expect(res.status, res.raw).toBe(200);
    expectContractResponse('GET /api/client/clusters/{id}', res);
    const byKind = (kind: string) => alerts.filter((x) => x.kind === kind);
    expect(byKind('spot-reclaim-risk')).toEqual([
      expect.objectContaining({
        severity: 'critical',
        message: `Spot Instance Reclaim Risk High in zone ${region}a: 2 spot nodes, ${high} is reclaimed ${labelOf(high)} of the time.`,
      }),
      expect.objectContaining({
        severity: 'warning',
        message: `Spot Instance Reclaim Risk Medium in zone ${region}b: 1 spot node, ${medium} is reclaimed ${labelOf(medium)} of the time.`,
      }),
    ]);
    expect(byKind('node-pressure')).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: 'Node ip-10-9-4-1.ec2.internal reports MemoryPressure.',
      }),
    ]);
    expect(byKind('node-not-ready').map((x) => x.message)).toEqual([
      'Node ip-10-9-5-1.ec2.internal is not Ready.',
    ]);
    expect(byKind('pending-pods')).toEqual([
      expect.objectContaining({ severity: 'warning', message: '3 pods pending: no node fits them.' }),
    ]);
    expect(byKind('heartbeat-lost')).toEqual([
      expect.objectContaining({
        severity: 'critical',
        message: expect.stringMatching(/^No heartbeat from the agent for 3 h 5 min/),
      }),
    ]);
    // Most severe first.
    const order = alerts.map((x) => x.severity);
    expect(order).toEqual(
      [...order].sort(
        (x, y) => ['critical', 'warning', 'info'].indexOf(x) - ['critical', 'warning', 'info'].indexOf(y),
      ),
    );

    // A heartbeat now, no pending pod, the pressure gone: those alerts go, the zones' risk stays.
    await updateItem(clusterKey(a.orgId, seeded.clusterId), {
      set: {
        agent: { lastHeartbeatAt: new Date().toISOString(), lastSnapshotAt: threeHoursAgo, version: '1.4.0' },
        summary: { capacity: { pendingPods: 0 } },
      },
    });
    await batchWrite([
      { put: nodeOf(ids, 4, { instanceType: medium, capacityType: 'spot', zone: `${region}b` }) },
    ]);
    const calm = await alertsOf(a.accessToken, seeded.clusterId);
    expect(calm.alerts.map((x) => x.kind).sort()).toEqual([
      'node-not-ready',
      'spot-reclaim-risk',
      'spot-reclaim-risk',
    ]);

    // Another organization reads neither the cluster nor its alerts.
    const theirs = await alertsOf(b.accessToken, seeded.clusterId);
    expect(theirs.res.status).toBe(404);
    expect(theirs.res.raw).not.toContain('Spot Instance Reclaim Risk');
  });

  it('says nothing of a heartbeat for a cluster without an agent', async () => {
    const seeded = await seedCluster(a.orgId, { region: 'us-east-1', name: 'alerts-agentless' });
    const { res, alerts } = await alertsOf(a.accessToken, seeded.clusterId);
    expect(res.status, res.raw).toBe(200);
    expect(alerts).toEqual([]);
    // With an agent that never reported: the alert says so.
    await updateItem(clusterKey(a.orgId, seeded.clusterId), { set: { agentTokenSha256: 'b'.repeat(64) } });
    const never = await alertsOf(a.accessToken, seeded.clusterId);
    expect(never.alerts).toEqual([
      expect.objectContaining({
        kind: 'heartbeat-lost',
        message: expect.stringContaining('has never reported'),
      }),
    ]);
  });
});
