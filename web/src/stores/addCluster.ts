import {
  type AddClusterBody,
  type AddClusterResponse,
  type AdoptClustersBody,
  type AdoptClustersResponse,
  addClusterResponseSchema,
  adoptClustersResponseSchema,
  adoptMaxClusters,
  agentPermissionReportSchema,
  type ClusterScanResponse,
  clusterDetailResponseSchema,
  clusterScanResponseSchema,
  type InstallTokenResponse,
  installTokenResponseSchema,
  type KubernetesVerification,
  kubernetesVerification,
  type PreflightResponse,
  preflightResponseSchema,
} from '@spot/shared';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/client';

const clusterPath = (id: string) => `/api/client/clusters/${encodeURIComponent(id)}`;

/** How the scan's list names a cluster: `region/name`. */
export const clusterKey = (c: { region: string; name: string }) => `${c.region}/${c.name}`;

/** What the wizard waits for: the agent's first push, the nodes it reported and its own permissions. */
export interface FirstContact {
  connected: boolean;
  nodeCount: number;
  /** The agent's report of its Kubernetes permissions (ADR 0070); `null` until it sends one. */
  permissions: KubernetesVerification | null;
}

/** The wizard's calls that can be in flight, each with its own spinner. */
export type AddClusterCall = 'scan' | 'add' | 'install' | 'preflight' | 'sandboxInstall';

/**
 * The Add Cluster wizard (issue 17 item 4, ADR 0051): scan, adopt or register, the install token and
 * its commands, the pre-flight, and the wait for the agent's first push. Each call's answer is kept for
 * the step that shows it; a new wizard run starts from `reset`. Each call has its own in-flight flag
 * (`pending`): a button spins for its own call only, not while another step's call runs.
 */
export const useAddClusterStore = defineStore('addCluster', () => {
  const scan = ref<ClusterScanResponse | null>(null);
  const added = ref<AddClusterResponse | null>(null);
  const install = ref<InstallTokenResponse | null>(null);
  const preflight = ref<PreflightResponse | null>(null);
  /** The clusters this wizard run adopted or registered, in order: the install step offers each. */
  const addedClusters = ref<{ clusterId: string; name: string; region: string }[]>([]);
  /** The scan's clusters ticked for adoption (`clusterKey`); one added by this run is never ticked again. */
  const selected = ref<string[]>([]);
  const addedKeys = computed(() => new Set(addedClusters.value.map(clusterKey)));
  const pending = ref<Record<AddClusterCall, boolean>>({
    scan: false,
    add: false,
    install: false,
    preflight: false,
    sandboxInstall: false,
  });

  /** Runs `call` with its own flag up; concurrent calls of the same kind keep it up until the last ends. */
  const inFlight: Record<AddClusterCall, number> = {
    scan: 0,
    add: 0,
    install: 0,
    preflight: 0,
    sandboxInstall: 0,
  };
  async function tracked<T>(call: AddClusterCall, work: () => Promise<T>): Promise<T> {
    inFlight[call]++;
    pending.value[call] = true;
    try {
      return await work();
    } finally {
      inFlight[call]--;
      pending.value[call] = inFlight[call] > 0;
    }
  }

  function reset(): void {
    scan.value = null;
    added.value = null;
    install.value = null;
    preflight.value = null;
    addedClusters.value = [];
    selected.value = [];
  }

  /** The id of the cluster this run added by that region and name, if it did. */
  function addedIdOf(c: { region: string; name: string }): string | null {
    return addedClusters.value.find((a) => a.region === c.region && a.name === c.name)?.clusterId ?? null;
  }

  function remember(c: { clusterId: string; name: string; region: string }): void {
    if (!addedClusters.value.some((x) => x.clusterId === c.clusterId))
      addedClusters.value.push({ clusterId: c.clusterId, name: c.name, region: c.region });
    // Added: no longer something to add (after a partial adoption "Add" counts only the rest).
    selected.value = selected.value.filter((k) => k !== clusterKey(c));
  }

  const scanAccount = (accountId: string, regions: string[]): Promise<ClusterScanResponse> =>
    tracked('scan', async () => {
      scan.value = await api.post(
        `/api/client/accounts/${encodeURIComponent(accountId)}/cluster-scan`,
        { regions },
        clusterScanResponseSchema,
      );
      // The first cluster found is ticked: the common case is one new cluster.
      selected.value = scan.value.items[0] ? [clusterKey(scan.value.items[0])] : [];
      return scan.value;
    });

  const addCluster = (body: AddClusterBody): Promise<AddClusterResponse> =>
    tracked('add', async () => {
      added.value = await api.post('/api/client/clusters', body, addClusterResponseSchema);
      remember(added.value);
      return added.value;
    });

  /**
   * Adopts the selected clusters of a scan (ADR 0059), in parts of the route's maximum; the results of
   * every part in the order asked. Each cluster added is remembered and unticked, so after a partial
   * adoption the selection holds only the clusters that failed (and any not asked yet). A part that fails
   * as a whole (network, 5xx) throws after the parts before it were adopted: those are remembered, so
   * asking again adopts only the rest.
   */
  const adoptClusters = (body: AdoptClustersBody): Promise<AdoptClustersResponse['results']> =>
    tracked('add', async () => {
      const results: AdoptClustersResponse['results'] = [];
      for (let i = 0; i < body.clusters.length; i += adoptMaxClusters) {
        const part = body.clusters.slice(i, i + adoptMaxClusters);
        const answer = await api.post(
          '/api/client/clusters/adopt',
          { ...body, clusters: part },
          adoptClustersResponseSchema,
        );
        for (const r of answer.results)
          if (r.outcome === 'added' && r.clusterId) remember({ ...r, clusterId: r.clusterId });
        results.push(...answer.results);
      }
      return results;
    });

  const issueInstallToken = (clusterId: string): Promise<InstallTokenResponse> =>
    tracked('install', async () => {
      // Another cluster's pre-flight says nothing about this one.
      if (install.value?.clusterId !== clusterId) preflight.value = null;
      install.value = await api.post(
        `${clusterPath(clusterId)}/install-token`,
        {},
        installTokenResponseSchema,
      );
      return install.value;
    });

  const runPreflight = (clusterId: string): Promise<PreflightResponse> =>
    tracked('preflight', async () => {
      preflight.value = await api.post(`${clusterPath(clusterId)}/preflight`, {}, preflightResponseSchema);
      return preflight.value;
    });

  /** The sandbox plays "run the Helm command" (local stack only). */
  const sandboxInstall = (run: () => Promise<void>): Promise<void> => tracked('sandboxInstall', run);

  /** One look at the cluster: has its agent pushed yet, and how many nodes does it run. */
  async function firstContact(clusterId: string): Promise<FirstContact> {
    const detail = await api.get(clusterPath(clusterId), clusterDetailResponseSchema);
    const agent = (detail.cluster.agent ?? {}) as {
      lastHeartbeatAt?: string | null;
      lastSnapshotAt?: string | null;
      permissions?: unknown;
    };
    const report = agentPermissionReportSchema.safeParse(agent.permissions);
    const nodeCount =
      typeof detail.cluster.nodeCount === 'number' ? detail.cluster.nodeCount : detail.nodes.length;
    return {
      connected: Boolean(agent.lastHeartbeatAt || agent.lastSnapshotAt),
      nodeCount: Math.max(nodeCount, detail.nodes.length),
      permissions: report.success
        ? kubernetesVerification('agent', report.data.checkedAt, report.data.checks)
        : null,
    };
  }

  return {
    scan,
    added,
    addedClusters,
    addedKeys,
    addedIdOf,
    selected,
    install,
    preflight,
    pending,
    reset,
    scanAccount,
    addCluster,
    adoptClusters,
    issueInstallToken,
    runPreflight,
    sandboxInstall,
    firstContact,
  };
});
