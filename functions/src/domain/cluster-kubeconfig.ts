import {
  ConflictError,
  type KubeconfigAuth,
  type ReplaceKubeconfigResponse,
  ValidationError,
  validateKubeconfig,
} from '@spot/shared';
import { clusterKey } from '../data/entities/cluster';
import { clusterKubeconfigEntity, clusterKubeconfigKey } from '../data/entities/cluster-kubeconfig';
import {
  cancelledConditions,
  getItem,
  transactCheck,
  transactPut,
  transactWrite,
  where,
} from '../data/repository';
import { port } from '../ports';
import type { KubernetesCluster } from '../ports/kubernetes';
import { loadCluster } from './clusters';
import { openSecret, sealSecret } from './envelope';

/** The AAD a cluster's kubeconfig is sealed with: a file copied to another cluster's item does not open. */
export const kubeconfigAad = (orgId: string, clusterId: string) => `${orgId}/${clusterId}/kubeconfig`;

/**
 * The cluster as the Kubernetes port reads it (ADR 0059): with the kubeconfig uploaded for it in the Add
 * Cluster wizard, when there is one. The file stays sealed here; the port's adapter calls `open` right
 * before it connects, so the plaintext exists only inside the collector's call and never in an object the
 * domain logs, returns or hands to a workflow. One GetItem (0.5 RCU) per read of a cluster.
 */
export async function withStoredKubeconfig<T extends object>(
  orgId: string,
  clusterId: string,
  cluster: T,
): Promise<T & Pick<KubernetesCluster, 'kubeconfig'>> {
  const sealed = await getItem(clusterKubeconfigEntity, clusterKubeconfigKey(orgId, clusterId), true);
  if (!sealed) return cluster;
  return {
    ...cluster,
    kubeconfig: {
      auth: sealed.auth,
      server: sealed.server,
      // The AAD the route sealed it with: a file copied to another cluster's item does not open.
      open: () => openSecret(sealed, port('keyService'), kubeconfigAad(orgId, clusterId)),
    },
  };
}

/** The host of an API server URL, lower case (`https://ABC.gr7.eu-west-1.eks.amazonaws.com` -> `abc...`). */
const hostOf = (server: string) => {
  try {
    return new URL(server).host.toLowerCase();
  } catch {
    return server.toLowerCase();
  }
};

type StoredSummary = { server: string; auth: KubeconfigAuth };

/**
 * Sets or replaces the kubeconfig the collector reads a cluster with (ADR 0065), e.g. after its token was
 * rotated: validated as at upload, and it must be this cluster's (its region, its API server, the EKS
 * cluster `aws eks get-token` names), sealed under the same AAD, written only while the cluster exists and
 * the stored file is still the one read (a replacement at the same moment is a 409). The next collection
 * uses it. Another organization's cluster is a 404. Never returns or logs the file.
 */
export async function replaceKubeconfig(
  orgId: string,
  userId: string,
  clusterId: string,
  text: string,
  now: Date,
): Promise<{
  body: ReplaceKubeconfigResponse;
  accountId: string;
  before: StoredSummary | null;
  after: StoredSummary;
}> {
  const cluster = await loadCluster(orgId, clusterId);
  const checked = validateKubeconfig(text);
  if (!checked.ok) throw new ValidationError(`kubeconfig: ${checked.problems.join(' ')}`);
  const file = checked.value;
  if (file.region && file.region !== cluster.region) {
    throw new ValidationError(
      `kubeconfig: its API server is in ${file.region}, but ${cluster.name} runs in ${cluster.region}. Upload ${cluster.name}'s own kubeconfig (\`aws eks update-kubeconfig --name ${cluster.name} --region ${cluster.region}\`, then \`kubectl config view --minify --flatten\`).`,
    );
  }
  if (cluster.endpoint && hostOf(cluster.endpoint) !== hostOf(file.server)) {
    throw new ValidationError(
      `kubeconfig: its server ${file.server} is not the API server of ${cluster.name} (${cluster.endpoint}). Upload ${cluster.name}'s own kubeconfig.`,
    );
  }
  if (file.eksClusterName && file.eksClusterName !== cluster.name) {
    throw new ValidationError(
      `kubeconfig: \`aws eks get-token --cluster-name ${file.eksClusterName}\` names another cluster than ${cluster.name}.`,
    );
  }
  const key = clusterKubeconfigKey(orgId, clusterId);
  const previous = await getItem(clusterKubeconfigEntity, key, true);
  const sealed = await sealSecret(text, port('keyService'), kubeconfigAad(orgId, clusterId));
  const at = now.toISOString();
  const after: StoredSummary = { server: file.server, auth: file.auth };
  try {
    await transactWrite([
      // The cluster is still managed (not removed meanwhile)...
      transactCheck(clusterKey(orgId, clusterId), where.itemExists()),
      // ...and the stored file is the one read above (each seal has its own random IV).
      transactPut(
        clusterKubeconfigEntity,
        {
          orgId,
          clusterId,
          ...after,
          ...sealed,
          createdAt: previous?.createdAt ?? at,
          createdBy: previous?.createdBy ?? userId,
          replacedAt: at,
          replacedBy: userId,
        },
        previous ? where.eq('ivB64', previous.ivB64) : where.itemNotExists(),
      ),
    ]);
  } catch (error) {
    const failed = cancelledConditions(error);
    if (!failed?.some(Boolean)) throw error;
    if (failed[0])
      throw new ConflictError('CLUSTER_REMOVED', `${cluster.name} was removed meanwhile; add it again.`);
    throw new ConflictError(
      'KUBECONFIG_CHANGED',
      `The kubeconfig of ${cluster.name} was replaced by someone else at the same moment: reload the page and check whether yours is still needed.`,
    );
  }
  return {
    body: { clusterId, ...after, replaced: previous !== undefined, updatedAt: at },
    accountId: cluster.accountId,
    before: previous ? { server: previous.server, auth: previous.auth } : null,
    after,
  };
}
