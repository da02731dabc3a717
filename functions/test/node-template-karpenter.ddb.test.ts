import { type NodeTemplateDraftInput, nodeTemplateDraftSchema, policySchema } from '@spot/shared';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditRecordEntity, auditRecordsQuery } from '../src/data/entities/audit-record';
import { queryAll } from '../src/data/repository';
import { pendingCommandsForAgent } from '../src/domain/agent-commands';
import { setMaintenance } from '../src/domain/maintenance';
import {
  createTemplateAndReconcile,
  setDefaultTemplateAndReconcile,
  updateTemplateAndReconcile,
} from '../src/domain/node-template-karpenter';
import { getPolicy, savePolicy } from '../src/domain/policies';
import { configurePorts } from '../src/ports';
import type { KubernetesPort } from '../src/ports/kubernetes';
import { type SeededCluster, seedCluster } from './clusters-support';
import { signUpAndIn, useLocalServices } from './support/services';

/**
 * ADR 0050 against DynamoDB Local: a node template save reaches Karpenter at once. The clusters whose
 * rendered NodePool/EC2NodeClass the save changes (the template they use was edited, or the default they
 * fall back to moved) get the automatic reconcile of ADR 0046; the others are left alone; a skip never
 * fails the save.
 */

vi.mock('../src/domain/accounts-connect', async (original) => ({
  ...(await original<typeof import('../src/domain/accounts-connect')>()),
  cloudTargetOf: async () => ({
    region: 'us-east-1',
    credentials: { kind: 'role', roleArn: 'arn:aws:iam::111122223333:role/spot', externalId: 'ext' },
  }),
}));

const kubernetes = { listKarpenterObjects: async () => [] } as unknown as KubernetesPort;

let clock = new Date('2026-09-01T10:00:00Z');
let orgId = '';
let user: Awaited<ReturnType<typeof signUpAndIn>>;

beforeAll(async () => {
  await useLocalServices();
  configurePorts({ kubernetes, clock: { now: () => clock } });
});
beforeEach(() => {
  clock = new Date(clock.getTime() + 3_600_000);
});

const reconciles = async () =>
  (await queryAll(auditRecordEntity, auditRecordsQuery(orgId))).filter(
    (r) => r.action === 'cluster.karpenter.reconcile',
  );
const polls = (c: SeededCluster) => pendingCommandsForAgent({ orgId, clusterId: c.clusterId }, clock);
const draft = (input: Partial<NodeTemplateDraftInput> = {}) =>
  nodeTemplateDraftSchema.parse({
    name: 'General',
    families: ['m5'],
    architecture: 'x86_64',
    capacityType: 'spot',
    disk: { type: 'gp3', sizeGiB: 40 },
    ...input,
  });

async function savePolicyAt(scope: { level: 'cluster'; id: string }, on: boolean) {
  const current = await getPolicy(orgId, scope);
  await savePolicy(
    orgId,
    scope,
    {
      version: current.version,
      // No template named: the cluster uses the organization's default template.
      policy: policySchema.parse({ infrastructure: { autoscaling: { enabled: on } } }),
    },
    { userId: user.userId, email: 'owner@example.com' },
    clock,
  );
}

/** Two clusters in write mode, Intelligent Autoscaling on (the default) for `on` only, no template named. */
async function seed(name: string) {
  user = await signUpAndIn(`Template reconcile ${name}`);
  orgId = user.orgId;
  const on = await seedCluster(orgId, { name: `${name}-on` });
  const off = await seedCluster(orgId, { name: `${name}-off` });
  await polls(on);
  await polls(off);
  await savePolicyAt({ level: 'cluster', id: off.clusterId }, false);
  // The organization's first template becomes its default: the cluster with autoscaling on renders now.
  const { template, reconciled } = await createTemplateAndReconcile(orgId, draft(), clock);
  expect(reconciled).toEqual([on.clusterId]);
  expect((await polls(on)).commands.map((c) => c.command.type)).toEqual([
    'apply-karpenter',
    'apply-karpenter',
  ]);
  expect((await polls(off)).commands).toEqual([]);
  return { on, off, template };
}

describe('node template save reconciles Karpenter at once', () => {
  it('an edit that changes the rendering reconciles the clusters using the template, only them', async () => {
    const { on, off, template } = await seed('edit');
    const auditsBefore = (await reconciles()).length;

    const saved = await updateTemplateAndReconcile(
      orgId,
      template.id,
      { ...draft({ families: ['m5', 'c5'], isDefault: true }), version: template.version },
      clock,
    );
    expect(saved.reconciled).toEqual([on.clusterId]);
    const sent = (await polls(on)).commands;
    expect(sent.length).toBeGreaterThan(0);
    const pool = sent
      .map((c) => c.command)
      .find((c) => c.type === 'apply-karpenter' && c.manifest.kind === 'NodePool');
    expect(JSON.stringify(pool)).toContain('c5');
    expect((await polls(off)).commands).toEqual([]);
    const audits = await reconciles();
    expect(audits).toHaveLength(auditsBefore + 1);
    expect(audits.at(-1)).toMatchObject({ actorName: 'system: optimizer', outcome: 'success' });

    // A description does not reach the NodePool: nothing is reconciled, nothing sent.
    const described = await updateTemplateAndReconcile(
      orgId,
      template.id,
      {
        ...draft({ families: ['m5', 'c5'], isDefault: true, description: 'for web' }),
        version: saved.template.version,
      },
      clock,
    );
    expect(described.reconciled).toEqual([]);
    expect((await polls(on)).commands).toEqual([]);
    expect(await reconciles()).toHaveLength(auditsBefore + 1);
  });

  it('a new default reconciles the clusters falling back to it', async () => {
    const { on, off } = await seed('default');
    const other = await createTemplateAndReconcile(
      orgId,
      draft({ name: 'Compute', families: ['c6i'] }),
      clock,
    );
    expect(other.reconciled).toEqual([]); // not the default: no rendering changed
    const moved = await setDefaultTemplateAndReconcile(orgId, other.template.id, clock);
    expect(moved.reconciled).toEqual([on.clusterId]);
    expect(JSON.stringify((await polls(on)).commands)).toContain('c6i');
    expect((await polls(off)).commands).toEqual([]);
  });

  it('in maintenance the save succeeds and the skip is audited once, nothing sent', async () => {
    const { on, template } = await seed('maintenance');
    await setMaintenance(
      orgId,
      on.clusterId,
      { enabled: true, reason: 'upgrade' },
      { email: 'owner@example.com' },
      clock,
    );
    const auditsBefore = (await reconciles()).length;
    let version = template.version;
    for (const families of [['m6i'], ['m7i']]) {
      const saved = await updateTemplateAndReconcile(
        orgId,
        template.id,
        { ...draft({ families, isDefault: true }), version },
        clock,
      );
      version = saved.template.version;
      expect(saved.template.families).toEqual(families);
      expect(saved.reconciled).toEqual([on.clusterId]);
    }
    const skips = (await reconciles()).slice(auditsBefore);
    expect(skips.map((s) => [s.outcome, (s.after as { reason?: string }).reason])).toEqual([
      ['denied', 'maintenance'],
    ]);
    expect((await polls(on)).commands).toEqual([]);
  });
});
