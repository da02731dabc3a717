import { type DriftedNode, nodeTemplateSpecSchema, type Policy, type RegistryFindings } from '@spot/shared';
import { type ComplianceInput, evaluateCompliance } from '@spot/shared/cluster-detail/compliance';
import { type DriftGroup, type DriftNode, detectDrift } from '@spot/shared/cluster-detail/drift';
import { loadCatalog } from '@spot/shared/pricing/catalog';
import { registryFindingsOf } from '@spot/shared/registry/findings';
import type { z } from 'zod';
import {
  clusterEntity,
  clusterKey,
  clustersOfAccountQuery,
  clustersOfOrgQuery,
} from '../data/entities/cluster';
import type { PolicyScope } from '../data/entities/cluster-policy';
import { nodeEntity } from '../data/entities/node';
import { nodeGroupEntity } from '../data/entities/node-group';
import { nodeTemplateEntity, nodeTemplateKey } from '../data/entities/node-template';
import { nodeTemplateDefaultEntity, nodeTemplateDefaultKey } from '../data/entities/node-template-default';
import { clusterChildrenQuery } from '../data/entities/partitions';
import type { workloadEntity } from '../data/entities/workload';
import { getItem, queryAll, transactUpdate, transactWrite, where } from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { registryRowText, registryRowUpdate } from './cluster-registry-row';
import { effectivePolicyOf } from './policy-effective';

/**
 * The Compliance & Drift tab's findings (ADR 0052) and the registry shield's (ADR 0068) from the same
 * items and the same shared rules: the tab evaluates them when read, a snapshot counts them onto the
 * Cluster item and its registry row when it writes those items, and a change of the node template a
 * cluster is held to recounts its drift.
 */

type ClusterItem = z.infer<typeof clusterEntity.schema>;
/** The fields of the items the findings read (a snapshot plan passes what it is about to store). */
export type FindingsNode = Pick<
  z.infer<typeof nodeEntity.schema>,
  'nodeName' | 'instanceType' | 'capacityType' | 'zone' | 'nodeGroupId' | 'launchedAt'
>;
export type FindingsGroup = Pick<z.infer<typeof nodeGroupEntity.schema>, 'nodeGroupId' | 'name' | 'kind'>;
export type FindingsWorkload = Pick<
  z.infer<typeof workloadEntity.schema>,
  'namespace' | 'kind' | 'name' | 'replicas' | 'security' | 'limitCpuMilli' | 'limitMemoryMiB'
>;

/** The node template a cluster is held to, as stored (parsed spec), or `null` when none. */
export interface ClusterTemplate {
  id: string;
  name: string;
  spec: z.infer<typeof nodeTemplateSpecSchema>;
}

/**
 * The template the cluster's nodes should match: its effective policy's, else the organization's
 * default. A policy naming a template deleted meanwhile holds the cluster to none.
 */
export async function templateOfPolicy(orgId: string, policy: Policy): Promise<ClusterTemplate | null> {
  const templateId =
    policy.infrastructure.autoscaling.nodeTemplateId ??
    (await getItem(nodeTemplateDefaultEntity, nodeTemplateDefaultKey(orgId)))?.templateId ??
    null;
  if (templateId === null) return null;
  const stored = await getItem(nodeTemplateEntity, nodeTemplateKey(orgId, templateId));
  if (!stored) return null;
  return { id: stored.templateId, name: stored.name, spec: nodeTemplateSpecSchema.parse(stored.spec) };
}

export async function templateOf(
  orgId: string,
  cluster: { clusterId: string; accountId: string },
): Promise<ClusterTemplate | null> {
  const { policy } = await effectivePolicyOf(orgId, cluster);
  return templateOfPolicy(orgId, policy);
}

/** The drifted nodes of the cluster's node items; `null` when no template bounds it. */
export function driftOf(
  template: ClusterTemplate | null,
  nodeItems: readonly FindingsNode[],
  groupItems: readonly FindingsGroup[],
): DriftedNode[] | null {
  if (!template) return null;
  const catalog = loadCatalog();
  return detectDrift(
    template.spec,
    nodeItems.map(
      (n): DriftNode => ({
        nodeName: n.nodeName,
        instanceType: n.instanceType,
        capacityType: n.capacityType,
        zone: n.zone,
        nodeGroupId: n.nodeGroupId,
        launchedAt: n.launchedAt,
      }),
    ),
    groupItems.map((g): DriftGroup => ({ nodeGroupId: g.nodeGroupId, name: g.name, kind: g.kind })),
    (name) => catalog.instanceType(name),
  );
}

/** What the security scan reads: the workload items and the cluster's endpoint access. */
export function complianceInputOf(
  cluster: Pick<ClusterItem, 'endpointAccess' | 'lastSyncedAt'>,
  workloadItems: readonly FindingsWorkload[],
): ComplianceInput {
  return {
    workloads: workloadItems.map((w) => ({
      namespace: w.namespace,
      kind: w.kind,
      name: w.name,
      replicas: w.replicas,
      security: w.security,
      limitCpuMilli: w.limitCpuMilli,
      limitMemoryMiB: w.limitMemoryMiB,
    })),
    endpointPublicAccess: cluster.endpointAccess?.publicAccess ?? null,
    publicAccessCidrs: cluster.endpointAccess?.publicAccessCidrs ?? [],
    evaluatedAt: cluster.lastSyncedAt,
  };
}

/** The findings the Cluster item and its registry row keep, from the items the tab reads. */
export function clusterFindingsOf(
  cluster: Pick<ClusterItem, 'clusterId' | 'endpointAccess' | 'lastSyncedAt'>,
  template: ClusterTemplate | null,
  items: {
    nodes: readonly FindingsNode[];
    groups: readonly FindingsGroup[];
    workloads: readonly FindingsWorkload[];
  },
): RegistryFindings {
  return registryFindingsOf(
    driftOf(template, items.nodes, items.groups),
    evaluateCompliance(cluster.clusterId, complianceInputOf(cluster, items.workloads)),
  );
}

/**
 * Recounts one cluster's drift against the template it is held to now (the scan's rules read the
 * snapshot, which has not changed: their counts stay), and writes the findings to the Cluster item and
 * its registry row in one transaction. A cluster with no snapshot yet has nothing to recount.
 */
async function recountDrift(orgId: string, clusterId: string) {
  const cluster = await getItem(clusterEntity, clusterKey(orgId, clusterId), true);
  if (!cluster || cluster.lastSyncedAt === null) return;
  const [template, nodeItems, groupItems] = await Promise.all([
    templateOf(orgId, cluster),
    queryAll(nodeEntity, clusterChildrenQuery(orgId, clusterId, 'NODE')),
    queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, clusterId, 'NODEGROUP')),
  ]);
  const findings: RegistryFindings = {
    ...registryFindingsOf(driftOf(template, nodeItems, groupItems), { findings: [] }),
    failing: cluster.findings?.failing ?? [],
  };
  await transactWrite([
    transactUpdate(clusterKey(orgId, clusterId), { set: { findings } }, where.itemExists()),
    ...registryRowUpdate(cluster, registryRowText({ ...cluster, findings })).map((i) => {
      const { update, spec } = i as { update: ReturnType<typeof clusterKey>; spec: object };
      return transactUpdate(update, spec);
    }),
  ]);
}

/**
 * After a change of the template clusters are held to (a policy naming another template, a new default,
 * an edited template): recounts their drift, one after another, for at most `budgetMs`, so the registry's
 * shield says what the Compliance & Drift tab says without waiting for the next snapshot. Clusters not
 * reached in time are recounted by their next snapshot (every snapshot counts the findings). Never fails
 * the change that called it.
 */
export async function recountDriftOf(
  orgId: string,
  clusterIds: () => Promise<readonly string[]>,
  what: string,
  budgetMs = 5_000,
): Promise<number> {
  // Wall-clock time bounds the work, not domain time: it is how long the person's save waits.
  const deadline = Date.now() + budgetMs;
  let done = 0;
  try {
    const ids = await clusterIds();
    for (const id of ids) {
      if (Date.now() > deadline) {
        logger.info(`registry: drift after ${what} left to the next snapshot`, {
          clusters: ids.length - done,
        });
        break;
      }
      await recountDrift(orgId, id);
      done++;
    }
  } catch (error) {
    logger.warn(`registry: drift after ${what} not recounted`, errorFields(error));
  }
  return done;
}

/** The clusters a policy scope reaches (a cluster, an account's, or the whole organization's). */
export async function clusterIdsOfScope(orgId: string, scope: PolicyScope): Promise<string[]> {
  if (scope.level === 'cluster') return [scope.id];
  const clusters = await queryAll(
    clusterEntity,
    scope.level === 'account' ? clustersOfAccountQuery(orgId, scope.id) : clustersOfOrgQuery(orgId),
  );
  return clusters.map((c) => c.clusterId);
}

export const clusterIdsOfOrg = (orgId: string) => clusterIdsOfScope(orgId, { level: 'organization' });
