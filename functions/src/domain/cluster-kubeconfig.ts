import { clusterKubeconfigEntity, clusterKubeconfigKey } from '../data/entities/cluster-kubeconfig';
import { getItem } from '../data/repository';
import { port } from '../ports';
import type { KubernetesCluster } from '../ports/kubernetes';
import { openSecret } from './envelope';

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
      open: () => openSecret(sealed, port('keyService'), `${orgId}/${clusterId}/kubeconfig`),
    },
  };
}
