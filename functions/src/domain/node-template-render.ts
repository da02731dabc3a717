import { DomainError, nodeTemplateSpecSchema } from '@spot/shared';
import { loadCatalog } from '@spot/shared/pricing/catalog';
import { renderMixedInstancesPolicy } from '@spot/shared/templates/asg';
import { renderKarpenter, toYaml } from '@spot/shared/templates/karpenter';
import { accountsOfOrgQuery, cloudAccountEntity } from '../data/entities/cloud-account';
import { queryAll } from '../data/repository';
import { getTemplate } from './node-templates';

/** Placeholder for the `karpenter.sh/discovery` tag when no cluster is named (the user edits it). */
export const defaultKarpenterClusterName = 'my-cluster';

/**
 * The template as the objects that enforce it: a Karpenter v1 NodePool + EC2NodeClass (JSON and YAML)
 * for `clusterName`, and the Auto Scaling mixed instances policy in `region` (default: the region of the
 * organization's first connected account, else us-east-1) for groups Karpenter does not manage.
 */
export async function renderTemplate(
  orgId: string,
  templateId: string,
  query: { clusterName?: string | undefined; region?: string | undefined },
) {
  const view = await getTemplate(orgId, templateId);
  const spec = nodeTemplateSpecSchema.parse(view);
  const types = loadCatalog().instanceTypes;
  const clusterName = query.clusterName ?? defaultKarpenterClusterName;
  const { nodePool, ec2NodeClass } = renderKarpenter(
    { id: view.id, name: view.name, spec },
    { clusterName, catalogTypes: types },
  );
  const region = query.region ?? (await homeRegion(orgId));
  let mixedInstancesPolicy: Record<string, unknown> | null = null;
  let mixedInstancesPolicyNote: string | null = null;
  try {
    mixedInstancesPolicy = { ...renderMixedInstancesPolicy(spec, types, region) };
  } catch (error) {
    // The manifests stand on their own; the policy's limits are explained, not a failure of the route.
    if (!(error instanceof DomainError)) throw error;
    mixedInstancesPolicyNote = error.message;
  }
  return {
    nodePool: { ...nodePool },
    ec2NodeClass: { ...ec2NodeClass },
    yaml: toYaml([nodePool, ec2NodeClass]),
    mixedInstancesPolicy,
    mixedInstancesPolicyNote,
    region,
    clusterName,
  };
}

async function homeRegion(orgId: string): Promise<string> {
  const connected = (await queryAll(cloudAccountEntity, accountsOfOrgQuery(orgId)))
    .filter((a) => a.region && a.awsAccountId)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return connected[0]?.region ?? 'us-east-1';
}
