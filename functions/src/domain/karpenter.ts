import { createHash } from 'node:crypto';
import {
  type AgentCommandInput,
  canonicalJson,
  isDomainError,
  type KarpenterStateResponse,
  karpenterManifestSchema,
  type NodeTemplateView,
  nodeTemplateSpecSchema,
  type Policy,
} from '@spot/shared';
import { type NodePoolOverride, withNodePoolOverride } from '@spot/shared/cluster-detail/nodepool-update';
import {
  isManagedBySpotOptimizer,
  type LiveKarpenterObject,
  renderManagedKarpenter,
} from '@spot/shared/karpenter/managed';
import { type KarpenterReconcilePlan, planKarpenterReconcile } from '@spot/shared/karpenter/reconcile';
import { karpenterNoTemplateNote } from '@spot/shared/karpenter/view';
import { loadCatalog } from '@spot/shared/pricing/catalog';
import type { KarpenterObject, NodeRequirement } from '@spot/shared/templates/karpenter';
import { karpenterStateEntity, karpenterStateKey } from '../data/entities/karpenter-state';
import { nodeTemplateDefaultEntity, nodeTemplateDefaultKey } from '../data/entities/node-template-default';
import { nodePoolEditEntity, nodePoolEditsQuery } from '../data/entities/nodepool-edit';
import { getItem, putItem, queryAll } from '../data/repository';
import { port } from '../ports';
import type { EksCluster } from '../ports/cloud';
import { KubernetesAccessError } from '../ports/kubernetes-errors';
import { cloudTargetOf } from './accounts-connect';
import { enqueueAgentCommands, getAgentCommand } from './agent-commands';
import { appendAudit } from './audit';
import { withStoredKubeconfig } from './cluster-kubeconfig';
import { loadCluster } from './clusters';
import { assertNotInMaintenance } from './maintenance';
import { getTemplate } from './node-templates';
import { nodePoolEditsOf } from './nodepool-edits';
import { effectivePolicyOf } from './policy-effective';

/**
 * Karpenter integration (issue 14, ADR 0042): while the cluster's effective policy has Intelligent
 * Autoscaling on, the node template (the policy's, else the organization's default) and the policy render
 * to a NodePool and EC2NodeClass marked as Spot Optimizer's; {@link reconcileKarpenter} applies what is
 * missing or drifted, and removes Spot Optimizer's objects that are no longer wanted (all of them when
 * autoscaling is off), through the agent's command channel. Live objects are read through the Kubernetes
 * port; the agent checks the mark again before it deletes or applies over anything.
 */

const optimizer = { actorType: 'system', actorId: null, actorName: 'system: optimizer' } as const;
const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 20);

type Cluster = Awaited<ReturnType<typeof loadCluster>>;

const eksClusterOf = (cluster: Cluster): EksCluster => ({
  name: cluster.name,
  arn: cluster.arn ?? '',
  kubernetesVersion: '',
  status: 'ACTIVE',
  endpoint: cluster.endpoint,
  createdAt: '',
  tags: {},
});

export interface KarpenterView {
  cluster: Cluster;
  enabled: boolean;
  templateId: string | null;
  note: string | null;
  desired: KarpenterObject[] | null;
  live: LiveKarpenterObject[] | null;
  liveError: string | null;
  plan: KarpenterReconcilePlan | null;
}

/**
 * The EC2NodeClass and NodePool a template and an effective policy render to for one cluster; a NodePool
 * a person edited on the Node Groups tab renders with that edit (ADR 0079), so the reconcile keeps it.
 */
export function renderDesiredKarpenter(
  template: NodeTemplateView,
  policy: Policy,
  clusterName: string,
  edits: ReadonlyMap<string, NodePoolOverride> = new Map(),
): KarpenterObject[] {
  const { nodePool, ec2NodeClass } = renderManagedKarpenter(
    { id: template.id, name: template.name, spec: nodeTemplateSpecSchema.parse(template) },
    policy,
    { clusterName, catalogTypes: loadCatalog().instanceTypes },
  );
  return [ec2NodeClass, withEdit(nodePool, edits.get(nodePool.metadata.name))];
}

/** The rendered NodePool with a person's edit in force (requirements and limits), or as rendered. */
export function withEdit(nodePool: KarpenterObject, edit: NodePoolOverride | undefined): KarpenterObject {
  if (!edit) return nodePool;
  const spec = nodePool.spec as {
    template: { spec: { requirements: NodeRequirement[] } & Record<string, unknown> } & Record<
      string,
      unknown
    >;
    limits?: Record<string, string>;
  } & Record<string, unknown>;
  const next = withNodePoolOverride(spec.template.spec.requirements, spec.limits ?? {}, edit);
  const { limits: _limits, ...rest } = spec;
  return {
    ...nodePool,
    spec: {
      ...rest,
      template: { ...spec.template, spec: { ...spec.template.spec, requirements: next.requirements } },
      ...(Object.keys(next.limits).length > 0 ? { limits: next.limits } : {}),
    },
  };
}

/** The edits of Spot Optimizer's own NodePools of the cluster, by NodePool name. */
async function editsOf(orgId: string, clusterId: string): Promise<Map<string, NodePoolOverride>> {
  const items = await queryAll(nodePoolEditEntity, nodePoolEditsQuery(orgId, clusterId));
  return new Map(
    items
      .filter((e) => e.managedBySpotOptimizer)
      .map((e) => [e.nodePool, { capacityTypes: e.capacityTypes, nodesLimit: e.nodesLimit }]),
  );
}

/** The desired objects (null: autoscaling off, or on without a template) and the live ones. */
export async function karpenterViewOf(orgId: string, clusterId: string): Promise<KarpenterView> {
  const cluster = await loadCluster(orgId, clusterId);
  const { policy } = await effectivePolicyOf(orgId, { clusterId, accountId: cluster.accountId });
  const enabled = policy.infrastructure.autoscaling.enabled;
  let templateId = policy.infrastructure.autoscaling.nodeTemplateId;
  if (templateId === null)
    templateId =
      (await getItem(nodeTemplateDefaultEntity, nodeTemplateDefaultKey(orgId)))?.templateId ?? null;
  let desired: KarpenterObject[] | null = null;
  let note: string | null = null;
  if (enabled && templateId === null) note = karpenterNoTemplateNote;
  else if (enabled && templateId !== null) {
    const [template, edits] = await Promise.all([getTemplate(orgId, templateId), editsOf(orgId, clusterId)]);
    desired = renderDesiredKarpenter(template, policy, cluster.name, edits);
  }
  let live: LiveKarpenterObject[] | null = null;
  let liveError: string | null = null;
  try {
    const target = { ...(await cloudTargetOf(orgId, cluster.accountId)), region: cluster.region };
    live = await port('kubernetes').listKarpenterObjects(
      target,
      await withStoredKubeconfig(orgId, cluster.clusterId, eksClusterOf(cluster)),
    );
  } catch (error) {
    if (!isDomainError(error)) throw error;
    liveError = error.message;
  }
  // Without the live objects nothing can be planned: applying blind could take over a customer's pool.
  const plan = live === null ? null : planKarpenterReconcile(enabled ? desired : null, live);
  return { cluster, enabled, templateId, note, desired: enabled ? desired : null, live, liveError, plan };
}

const objectView = (o: LiveKarpenterObject) => ({
  kind: o.kind,
  name: o.name,
  managedBySpotOptimizer: isManagedBySpotOptimizer(o),
  labels: { ...o.labels },
  annotations: { ...o.annotations },
  spec: { ...o.spec },
});
const desiredView = (o: KarpenterObject) =>
  objectView({
    kind: o.kind === 'NodePool' ? 'NodePool' : 'EC2NodeClass',
    name: o.metadata.name,
    labels: o.metadata.labels,
    annotations: o.metadata.annotations,
    spec: o.spec,
  });

/** `GET .../karpenter`: desired vs live, the drift, what a reconcile would do and the last one's outcomes. */
export async function karpenterStateOf(orgId: string, clusterId: string): Promise<KarpenterStateResponse> {
  const [view, stored, poolEdits] = await Promise.all([
    karpenterViewOf(orgId, clusterId),
    getItem(karpenterStateEntity, karpenterStateKey(orgId, clusterId)),
    nodePoolEditsOf(orgId, clusterId),
  ]);
  const commands = await Promise.all(
    (stored?.commands ?? []).map(async (c) => {
      const found = await getAgentCommand(orgId, clusterId, c.id).catch(() => null);
      return {
        ...c,
        status: found?.status ?? null,
        outcome: found?.outcome ?? null,
        reason: found?.reason ?? null,
      };
    }),
  );
  const ref = ({ kind, name }: { kind: 'NodePool' | 'EC2NodeClass'; name: string }) => ({ kind, name });
  return {
    clusterId,
    enabled: view.enabled,
    templateId: view.templateId,
    note: view.note,
    desired: (view.desired ?? []).map(desiredView),
    live: view.live?.map(objectView) ?? null,
    liveError: view.liveError,
    drift: [...(view.plan?.drift ?? [])].map((d) => ({ ...d })),
    plan: {
      apply: (view.plan?.apply ?? []).map((o) => ref(desiredView(o))),
      remove: (view.plan?.remove ?? []).map(ref),
      refused: (view.plan?.refused ?? []).map((r) => ({ kind: r.kind, name: r.name, reason: r.reason })),
    },
    lastReconcile: stored ? { at: stored.reconciledAt, by: stored.reconciledBy, commands } : null,
    nodePoolEdits: [...poolEdits.values()].sort((a, b) => a.nodePool.localeCompare(b.nodePool)),
  };
}

/**
 * Applies the plan through the agent (checked against maintenance mode right before, and refused with
 * nothing enqueued when the agent cannot act), records the commands and audits what was sent as
 * `system: optimizer`. Command ids are derived from the object and its content: reconciling twice with
 * nothing changed enqueues nothing new.
 */
export async function reconcileKarpenter(
  orgId: string,
  clusterId: string,
  now: Date,
  by = 'system: optimizer',
): Promise<KarpenterStateResponse> {
  await assertNotInMaintenance(orgId, clusterId);
  const view = await karpenterViewOf(orgId, clusterId);
  if (view.plan === null || view.live === null) {
    throw new KubernetesAccessError(
      'KUBERNETES_ACCESS_DENIED',
      `The cluster's Karpenter objects could not be read, so nothing was applied or removed: ${view.liveError ?? 'unknown reason'}`,
    );
  }
  const live = view.live;
  const commands: (AgentCommandInput & {
    action: 'apply' | 'delete';
    kind: 'NodePool' | 'EC2NodeClass';
    name: string;
  })[] = [];
  for (const o of view.plan.apply) {
    const manifest = karpenterManifestSchema.parse(o);
    commands.push({
      id: `karpenter-apply:${shortHash(canonicalJson(manifest))}`,
      command: { type: 'apply-karpenter', manifest },
      action: 'apply',
      kind: manifest.kind,
      name: manifest.metadata.name,
    });
  }
  for (const r of view.plan.remove) {
    const found = live.find((l) => l.kind === r.kind && l.name === r.name);
    commands.push({
      id: `karpenter-delete:${shortHash(`${r.kind}/${r.name}/${canonicalJson(found?.spec ?? {})}`)}`,
      command: { type: 'delete-karpenter', kind: r.kind, name: r.name },
      action: 'delete',
      kind: r.kind,
      name: r.name,
    });
  }
  if (commands.length > 0)
    await enqueueAgentCommands(
      orgId,
      clusterId,
      commands.map(({ id, command }) => ({ id, command })),
      now,
      'system: optimizer',
    );
  const nowIso = now.toISOString();
  if (commands.length > 0 || view.plan.refused.length > 0) {
    await putItem(karpenterStateEntity, {
      orgId,
      clusterId,
      reconciledAt: nowIso,
      reconciledBy: by,
      commands: commands.map(({ id, action, kind, name }) => ({ id, action, kind, name })),
      driftCount: view.plan.drift.length,
    });
    await appendAudit(
      orgId,
      {
        ...optimizer,
        action: 'cluster.karpenter.reconcile',
        resourceType: 'cluster',
        target: `cluster/${clusterId}`,
        accountId: view.cluster.accountId,
        outcome: view.plan.refused.length > 0 && commands.length === 0 ? 'denied' : 'success',
        before: { drift: view.plan.drift.length },
        after: {
          enabled: view.enabled,
          applied: commands.filter((c) => c.action === 'apply').map((c) => `${c.kind}/${c.name}`),
          removed: commands.filter((c) => c.action === 'delete').map((c) => `${c.kind}/${c.name}`),
          refused: view.plan.refused.map((r) => `${r.kind}/${r.name}: ${r.reason}`),
        },
        sourceIp: null,
        userAgent: null,
        requestId: null,
      },
      now,
    );
  }
  return karpenterStateOf(orgId, clusterId);
}
