import {
  type AddClusterBody,
  type AddClusterResponse,
  addClusterResponseSchema,
  type ClusterScanResponse,
  clusterDetailResponseSchema,
  clusterScanResponseSchema,
  type InstallTokenResponse,
  installTokenResponseSchema,
  type PreflightResponse,
  preflightResponseSchema,
} from '@spot/shared';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api/client';

const clusterPath = (id: string) => `/api/client/clusters/${encodeURIComponent(id)}`;

/** What the wizard waits for: the agent's first push, and the nodes it reported. */
export interface FirstContact {
  connected: boolean;
  nodeCount: number;
}

/**
 * The Add Cluster wizard (issue 17 item 4, ADR 0051): scan, adopt or register, the install token and
 * its commands, the pre-flight, and the wait for the agent's first push. Each call's answer is kept for
 * the step that shows it; a new wizard run starts from `reset`.
 */
export const useAddClusterStore = defineStore('addCluster', () => {
  const scan = ref<ClusterScanResponse | null>(null);
  const added = ref<AddClusterResponse | null>(null);
  const install = ref<InstallTokenResponse | null>(null);
  const preflight = ref<PreflightResponse | null>(null);

  function reset(): void {
    scan.value = null;
    added.value = null;
    install.value = null;
    preflight.value = null;
  }

  async function scanAccount(accountId: string, regions: string[]): Promise<ClusterScanResponse> {
    scan.value = await api.post(
      `/api/client/accounts/${encodeURIComponent(accountId)}/cluster-scan`,
      { regions },
      clusterScanResponseSchema,
    );
    return scan.value;
  }

  async function addCluster(body: AddClusterBody): Promise<AddClusterResponse> {
    added.value = await api.post('/api/client/clusters', body, addClusterResponseSchema);
    return added.value;
  }

  async function issueInstallToken(clusterId: string): Promise<InstallTokenResponse> {
    install.value = await api.post(`${clusterPath(clusterId)}/install-token`, {}, installTokenResponseSchema);
    return install.value;
  }

  async function runPreflight(clusterId: string): Promise<PreflightResponse> {
    preflight.value = await api.post(`${clusterPath(clusterId)}/preflight`, {}, preflightResponseSchema);
    return preflight.value;
  }

  /** One look at the cluster: has its agent pushed yet, and how many nodes does it run. */
  async function firstContact(clusterId: string): Promise<FirstContact> {
    const detail = await api.get(clusterPath(clusterId), clusterDetailResponseSchema);
    const agent = (detail.cluster.agent ?? {}) as {
      lastHeartbeatAt?: string | null;
      lastSnapshotAt?: string | null;
    };
    const nodeCount =
      typeof detail.cluster.nodeCount === 'number' ? detail.cluster.nodeCount : detail.nodes.length;
    return {
      connected: Boolean(agent.lastHeartbeatAt || agent.lastSnapshotAt),
      nodeCount: Math.max(nodeCount, detail.nodes.length),
    };
  }

  return {
    scan,
    added,
    install,
    preflight,
    reset,
    scanAccount,
    addCluster,
    issueInstallToken,
    runPreflight,
    firstContact,
  };
});
