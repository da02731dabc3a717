import {
  type AgentCommandView,
  agentUpgradesResponseSchema,
  type ClusterActionView,
  type ConsolidationPlanResponse,
  type ConsolidationStartResponse,
  clusterActionsResponseSchema,
  consolidationPlanResponseSchema,
  consolidationStartResponseSchema,
  effectivePolicyResponseSchema,
  openActionStates,
  policyOverridesViewSchema,
} from '@spot/shared';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/client';

const base = (clusterId: string) => `/api/client/clusters/${encodeURIComponent(clusterId)}`;

/** One cluster's optimizer activity (the actions list) and its consolidation dry run. */
export const useActivityStore = defineStore('activity', () => {
  const clusterId = ref<string | null>(null);
  const actions = ref<ClusterActionView[]>([]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);
  const plan = ref<ConsolidationPlanResponse | null>(null);
  const planning = ref(false);
  const planError = ref<unknown>(null);
  /** Consolidation automation in the effective policy, and the level that set it. */
  const automation = ref<{ enabled: boolean; source: string } | null>(null);
  const switching = ref(false);
  const started = ref<ConsolidationStartResponse | null>(null);
  const starting = ref(false);
  const runError = ref<unknown>(null);
  /** The agent upgrades the registry's bulk action queued, newest first, with the agent's answers. */
  const agentUpgrades = ref<AgentCommandView[]>([]);
  const agentUpgradesError = ref<unknown>(null);
  let polling: ReturnType<typeof setTimeout> | undefined;

  /**
   * The run in flight: its nodes still open (`inFlight`: draining or terminating; `waiting`: not started,
   * most of them waiting for an earlier wave), and how many of the run's nodes are closed.
   */
  const progress = computed(() => {
    const open = actions.value.filter((a) => openActionStates.includes(a.state));
    const runId = open[0]?.runId ?? started.value?.runId ?? null;
    if (runId === null) return null;
    const ofRun = actions.value.filter((a) => a.runId === runId);
    const closed = ofRun.filter((a) => !openActionStates.includes(a.state)).length;
    const waiting = open.filter((a) => a.state === 'pending').length;
    return {
      runId,
      open: open.length,
      inFlight: open.length - waiting,
      waiting,
      closed,
      total: Math.max(ofRun.length, started.value?.nodes ?? 0),
    };
  });

  async function load(id: string, more = false): Promise<void> {
    if (id !== clusterId.value) {
      clusterId.value = id;
      actions.value = [];
      nextCursor.value = null;
      plan.value = null;
      planError.value = null;
      automation.value = null;
      started.value = null;
      runError.value = null;
      agentUpgrades.value = [];
      clearTimeout(polling);
      void loadAutomation(id);
    }
    if (!more) void loadAgentUpgrades(id);
    loading.value = true;
    error.value = null;
    try {
      const query = more && nextCursor.value ? `&cursor=${encodeURIComponent(nextCursor.value)}` : '';
      const page = await api.get(`${base(id)}/actions?limit=50${query}`, clusterActionsResponseSchema);
      if (clusterId.value !== id) return;
      actions.value = more ? [...actions.value, ...page.items] : page.items;
      nextCursor.value = page.nextCursor;
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  }

  /** The dry run: what consolidation would do now under the cluster's effective policy. Nothing changes. */
  async function preview(id: string): Promise<void> {
    planning.value = true;
    planError.value = null;
    try {
      const result = await api.post(
        `${base(id)}/consolidation`,
        { dryRun: true },
        consolidationPlanResponseSchema,
      );
      if (clusterId.value === id || clusterId.value === null) plan.value = result;
    } catch (e) {
      planError.value = e;
    } finally {
      planning.value = false;
    }
  }

  async function loadAgentUpgrades(id: string): Promise<void> {
    agentUpgradesError.value = null;
    try {
      const page = await api.get(`${base(id)}/agent-upgrades`, agentUpgradesResponseSchema);
      if (clusterId.value === id) agentUpgrades.value = page.items;
    } catch (e) {
      if (clusterId.value === id) agentUpgradesError.value = e;
    }
  }

  async function loadAutomation(id: string): Promise<void> {
    try {
      const effective = await api.get(`${base(id)}/policy/effective`, effectivePolicyResponseSchema);
      if (clusterId.value !== id) return;
      automation.value = {
        enabled: effective.policy.infrastructure.binPacking.automationEnabled,
        source: effective.sources['infrastructure.binPacking.automationEnabled'] ?? 'default',
      };
    } catch (e) {
      runError.value = e;
    }
  }

  /** The switch writes the cluster's own policy override (a new, audited version), which arms the schedule. */
  async function setAutomation(id: string, enabled: boolean): Promise<void> {
    switching.value = true;
    runError.value = null;
    try {
      const current = await api.get(`${base(id)}/policy`, policyOverridesViewSchema);
      const policy = current.policy;
      await api.put(
        `${base(id)}/policy`,
        {
          version: current.version,
          policy: {
            ...policy,
            infrastructure: {
              ...policy.infrastructure,
              binPacking: { ...policy.infrastructure?.binPacking, automationEnabled: enabled },
            },
          },
        },
        policyOverridesViewSchema,
      );
      await loadAutomation(id);
    } catch (e) {
      runError.value = e;
    } finally {
      switching.value = false;
    }
  }

  /** Start now: the same run the schedule starts; the list refreshes every 5 s while a node is in flight. */
  async function start(id: string): Promise<void> {
    starting.value = true;
    runError.value = null;
    try {
      started.value = await api.post(
        `${base(id)}/consolidation`,
        { dryRun: false },
        consolidationStartResponseSchema,
      );
      plan.value = null;
      await follow(id);
    } catch (e) {
      runError.value = e;
    } finally {
      starting.value = false;
    }
  }

  async function follow(id: string): Promise<void> {
    clearTimeout(polling);
    await load(id);
    if (clusterId.value === id && (progress.value?.open ?? 0) > 0) {
      polling = setTimeout(() => void follow(id), 5_000);
    }
  }

  const closePreview = () => {
    plan.value = null;
    planError.value = null;
  };

  return {
    clusterId,
    actions,
    nextCursor,
    loading,
    error,
    plan,
    planning,
    planError,
    load,
    preview,
    closePreview,
    automation,
    switching,
    started,
    starting,
    runError,
    agentUpgrades,
    agentUpgradesError,
    loadAgentUpgrades,
    progress,
    setAutomation,
    start,
    follow,
  };
});
