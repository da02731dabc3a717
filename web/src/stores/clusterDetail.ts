import {
  type ClusterBudgetResponse,
  type ClusterComplianceResponse,
  type ClusterDetailResponse,
  type ClusterDriftResponse,
  clusterBudgetResponseSchema,
  clusterComplianceResponseSchema,
  clusterDetailResponseSchema,
  clusterDriftResponseSchema,
  type NodeGroupUpdateInput,
  type NodeGroupUpdateResponse,
  type NodePoolEdit,
  nodeGroupUpdateResponseSchema,
} from '@spot/shared';
import { type OverviewGroup, type OverviewNode, topologyOf } from '@spot/shared/cluster-detail/overview';
import { type CostedWorkload, namespaceCosts, topSpenders } from '@spot/shared/cluster-detail/workloads';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/client';

/**
 * The cluster page's detail tabs (issue 17 item 5, ADR 0052): the cluster's groups, nodes and workloads
 * (one read), drift and compliance (read when their tab opens), and a node group edit. The figures shown
 * (topology, namespace costs, top spenders) are computed by `shared/src/cluster-detail/`.
 */

export interface DetailNodeGroup {
  nodeGroupId: string;
  name: string;
  kind: 'managed-node-group' | 'asg' | 'karpenter-nodepool';
  capacityType: 'on-demand' | 'spot' | 'mixed';
  instanceTypes: string[];
  minSize: number;
  desiredSize: number;
  maxSize: number;
  nodeCount: number;
  hourlyCostUsd: number;
  spotReadinessScore: number | null;
  /** A NodePool's last edit from this tab and its agent command's outcome (ADR 0079). */
  nodePoolEdit?: NodePoolEdit | null;
}

interface DetailWorkload extends CostedWorkload {
  spotReady: boolean;
  spotReason: string | null;
}

const path = (id: string) => `/api/client/clusters/${encodeURIComponent(id)}`;

export const useClusterDetailStore = defineStore('clusterDetail', () => {
  const clusterId = ref<string | null>(null);
  const detail = ref<ClusterDetailResponse | null>(null);
  const drift = ref<ClusterDriftResponse | null>(null);
  const compliance = ref<ClusterComplianceResponse | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);
  const securityLoading = ref(false);
  const securityError = ref<unknown>(null);
  const budget = ref<ClusterBudgetResponse | null>(null);
  const budgetError = ref<unknown>(null);

  async function load(id: string): Promise<void> {
    if (clusterId.value !== id) {
      drift.value = null;
      compliance.value = null;
      budget.value = null;
      detail.value = null;
    }
    clusterId.value = id;
    error.value = null;
    loading.value = true;
    void loadBudget(id);
    try {
      const res = await api.get(path(id), clusterDetailResponseSchema);
      if (clusterId.value === id) detail.value = res;
    } catch (e) {
      if (clusterId.value === id) error.value = e;
    } finally {
      if (clusterId.value === id) loading.value = false;
    }
  }

  /** The monthly budget and this month's burndown (Overview tab). */
  async function loadBudget(id: string): Promise<void> {
    budgetError.value = null;
    try {
      const res = await api.get(`${path(id)}/budget`, clusterBudgetResponseSchema);
      if (clusterId.value === id) budget.value = res;
    } catch (e) {
      if (clusterId.value === id) budgetError.value = e;
    }
  }

  /** Sets (or clears, with null) the budget; the answer is the new burndown. Throws the API's error. */
  async function saveBudget(monthlyBudgetUsd: number | null): Promise<void> {
    const id = clusterId.value;
    if (!id) return;
    const res = await api.put(`${path(id)}/budget`, { monthlyBudgetUsd }, clusterBudgetResponseSchema);
    if (clusterId.value === id) budget.value = res;
  }

  /** Drift and the CIS subset, for the Compliance & Drift tab. */
  async function loadSecurity(): Promise<void> {
    const id = clusterId.value;
    if (!id) return;
    securityError.value = null;
    securityLoading.value = true;
    try {
      const [d, c] = await Promise.all([
        api.get(`${path(id)}/drift`, clusterDriftResponseSchema),
        api.get(`${path(id)}/compliance`, clusterComplianceResponseSchema),
      ]);
      if (clusterId.value !== id) return;
      drift.value = d;
      compliance.value = c;
    } catch (e) {
      if (clusterId.value === id) securityError.value = e;
    } finally {
      if (clusterId.value === id) securityLoading.value = false;
    }
  }

  /**
   * Writes the group through the cloud (the answer's sizes replace the row) or, for a NodePool, queues it
   * to the cluster's agent (the row shows the edit). Throws the API's error.
   */
  async function updateNodeGroup(
    groupId: string,
    body: NodeGroupUpdateInput,
  ): Promise<NodeGroupUpdateResponse> {
    const id = clusterId.value;
    if (!id) throw new Error('No cluster is shown.');
    const res = await api.put(
      `${path(id)}/node-groups/${encodeURIComponent(groupId)}`,
      body,
      nodeGroupUpdateResponseSchema,
    );
    if (clusterId.value === id && detail.value) {
      detail.value = {
        ...detail.value,
        nodeGroups: detail.value.nodeGroups.map((g) =>
          (g as unknown as DetailNodeGroup).nodeGroupId !== groupId
            ? g
            : res.nodePool
              ? // A NodePool's edit is queued to the agent: the row keeps what runs and shows the edit.
                { ...g, nodePoolEdit: res.nodePool }
              : { ...g, ...res.after },
        ),
      };
    }
    return res;
  }

  const nodeGroups = computed(() => (detail.value?.nodeGroups ?? []) as unknown as DetailNodeGroup[]);
  const nodes = computed(
    () => (detail.value?.nodes ?? []) as unknown as (OverviewNode & { launchedAt: string })[],
  );
  const workloads = computed(() => (detail.value?.workloads ?? []) as unknown as DetailWorkload[]);
  const alerts = computed(() => detail.value?.alerts ?? []);
  const topology = computed(() => topologyOf(nodeGroups.value as OverviewGroup[], nodes.value));
  const namespaces = computed(() => namespaceCosts(workloads.value));
  const spenders = computed(() => topSpenders(workloads.value, 10));
  const accountId = computed(() => (detail.value?.cluster.accountId as string | undefined) ?? null);
  const lastSyncedAt = computed(
    () => (detail.value?.cluster.lastSyncedAt as string | null | undefined) ?? null,
  );

  return {
    clusterId,
    detail,
    drift,
    compliance,
    loading,
    error,
    securityLoading,
    securityError,
    budget,
    budgetError,
    nodeGroups,
    nodes,
    workloads,
    alerts,
    topology,
    namespaces,
    spenders,
    accountId,
    lastSyncedAt,
    load,
    loadSecurity,
    loadBudget,
    saveBudget,
    updateNodeGroup,
  };
});
