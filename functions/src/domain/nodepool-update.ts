import { createHash } from 'node:crypto';
import {
  ConflictError,
  canonicalJson,
  type KarpenterManifest,
  karpenterManifestSchema,
  type NodeGroupUpdateInput,
  type NodeGroupUpdateResponse,
} from '@spot/shared';
import {
  capacityTypeOf,
  capacityTypesOf,
  type NodePoolOverride,
  planNodePoolUpdate,
} from '@spot/shared/cluster-detail/nodepool-update';
import { isManagedBySpotOptimizer } from '@spot/shared/karpenter/managed';
import type { NodeRequirement } from '@spot/shared/templates/karpenter';
import type { z } from 'zod';
import type { nodeGroupEntity } from '../data/entities/node-group';
import { nodePoolEditEntity, nodePoolEditKey } from '../data/entities/nodepool-edit';
import { getItem, putItem } from '../data/repository';
import { KubernetesAccessError } from '../ports/kubernetes-errors';
import { enqueueAgentCommands } from './agent-commands';
import { karpenterViewOf, withEdit } from './karpenter';

/**
 * A person's edit of a Karpenter NodePool from the Node Groups tab (issue 17, ADR 0079): spot mode is
 * the `karpenter.sh/capacity-type` requirement, max is `spec.limits.nodes` (rules in
 * `shared/src/cluster-detail/nodepool-update.ts`). It is written as one `apply-karpenter` command through
 * the agent's command channel (server-side apply, field manager `spot-optimizer`):
 *
 * - a customer's NodePool gets a partial apply of what the edit owns: the whole requirement list (a list
 *   Kubernetes replaces as a whole, so always sent: leaving it out of a later apply would delete it) and
 *   `limits.nodes`; the rest of the object stays its owner's;
 * - Spot Optimizer's own NodePool gets its whole rendered manifest with the edit in force (the manager
 *   owns every field of it: a partial apply would remove the rest), and the edit is kept as an override
 *   the reconcile renders from then on, so the product's own re-apply does not revert it.
 *
 * The command is refused before anything is queued when the agent cannot act (409, write mode off or
 * agent offline); its outcome (the agent's) is shown on the tab with the edit.
 */

type NodeGroupItem = z.infer<typeof nodeGroupEntity.schema>;
const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 20);

const quantity = (v: unknown) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v : null);

function livePoolOf(name: string, spec: Readonly<Record<string, unknown>>) {
  const s = spec as {
    template?: { spec?: { requirements?: NodeRequirement[] } };
    limits?: Record<string, unknown>;
  };
  const limits: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.limits ?? {})) {
    const q = quantity(v);
    if (q !== null) limits[k] = q;
  }
  return { name, requirements: s.template?.spec?.requirements ?? [], limits };
}

const limitOf = (limits: Readonly<Record<string, string>>): number | null => {
  const n = limits.nodes === undefined ? Number.NaN : Number(limits.nodes);
  return Number.isInteger(n) && n >= 0 ? n : null;
};

export async function updateNodePool(
  orgId: string,
  clusterId: string,
  group: NodeGroupItem,
  input: NodeGroupUpdateInput,
  editedBy: string,
  now: Date,
): Promise<NodeGroupUpdateResponse> {
  const view = await karpenterViewOf(orgId, clusterId);
  if (view.live === null)
    throw new KubernetesAccessError(
      'KUBERNETES_ACCESS_DENIED',
      `The cluster's NodePools could not be read, so ${group.name} was not changed: ${view.liveError ?? 'unknown reason'}`,
    );
  const live = view.live.find((o) => o.kind === 'NodePool' && o.name === group.name);
  if (!live)
    throw new ConflictError(
      'NODEPOOL_NOT_FOUND',
      `NodePool ${group.name} is not in the cluster any more (it was deleted or renamed since the last scan): Sync Now, then edit the NodePool the tab lists.`,
    );
  const pool = livePoolOf(group.name, live.spec);
  const plan = planNodePoolUpdate(pool, input, group.nodeCount);
  const managed = isManagedBySpotOptimizer(live);
  const previous = await getItem(nodePoolEditEntity, nodePoolEditKey(orgId, clusterId, group.name), true);
  // The override in force from now on: a spot mode left alone keeps the one edited before.
  const override: NodePoolOverride = {
    capacityTypes:
      plan.override.capacityTypes ??
      (managed ? (previous?.capacityTypes ?? null) : capacityTypesOf(plan.requirements)),
    nodesLimit: plan.override.nodesLimit,
  };

  let manifest: KarpenterManifest;
  if (managed) {
    const rendered = view.desired?.find((o) => o.kind === 'NodePool' && o.metadata.name === group.name);
    if (!rendered)
      throw new ConflictError(
        'NODEPOOL_NOT_RENDERED',
        `NodePool ${group.name} is Spot Optimizer's, but the cluster's policy no longer renders it (Intelligent Autoscaling is off or bound to another node template): the next reconcile removes it. Change the policy or the node template instead.`,
      );
    // The rendering as stored (a former edit included) is replaced by the rendering with this edit.
    manifest = karpenterManifestSchema.parse(withEdit(rendered, override));
  } else {
    manifest = karpenterManifestSchema.parse({
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: group.name },
      spec: {
        template: { spec: { requirements: plan.requirements } },
        ...(plan.override.nodesLimit !== null ? { limits: { nodes: String(plan.override.nodesLimit) } } : {}),
      },
    });
  }
  const editedAt = now.toISOString();
  const commandId = `nodepool-edit:${shortHash(`${canonicalJson(manifest)}|${editedAt}`)}`;
  await enqueueAgentCommands(
    orgId,
    clusterId,
    [{ id: commandId, command: { type: 'apply-karpenter', manifest } }],
    now,
    editedBy,
  );
  await putItem(nodePoolEditEntity, {
    orgId,
    clusterId,
    nodePool: group.name,
    capacityTypes: override.capacityTypes,
    nodesLimit: override.nodesLimit,
    managedBySpotOptimizer: managed,
    editedAt,
    editedBy,
    commandId,
  });
  const liveLimit = limitOf(pool.limits);
  const count = group.nodeCount;
  return {
    clusterId,
    nodeGroupId: group.nodeGroupId,
    // A NodePool has no minimum nor desired size: 0 and the nodes it runs; max is its node limit (the
    // nodes it runs when it has none; `nodePool.nodesLimit` says which).
    before: {
      minSize: 0,
      desiredSize: count,
      maxSize: liveLimit ?? count,
      capacityType: capacityTypeOf(capacityTypesOf(pool.requirements)),
    },
    after: {
      minSize: 0,
      desiredSize: count,
      maxSize: override.nodesLimit ?? count,
      capacityType: plan.capacityTypeAfter,
    },
    actions: [`agent: apply-karpenter NodePool/${group.name} (server-side apply, queued as ${commandId})`],
    notes: [
      ...plan.notes,
      managed
        ? `${group.name} is Spot Optimizer's own NodePool: its reconcile keeps this edit.`
        : `${group.name} is your NodePool: a GitOps tool that owns it may set it back; change it there too.`,
    ],
    nodePool: {
      nodePool: group.name,
      capacityTypes: override.capacityTypes,
      nodesLimit: override.nodesLimit,
      managedBySpotOptimizer: managed,
      editedAt,
      editedBy,
      command: { id: commandId, status: 'pending', outcome: null, reason: null },
    },
  };
}
