import {
  type ClusterListItem,
  clusterListResponseSchema,
  defaultPolicy,
  effectivePolicyResponseSchema,
  type OrganizationPolicyView,
  organizationPolicyViewSchema,
  type Policy,
  type PolicyLevel,
  type PolicyOverrides,
  type PolicyOverridesView,
  type PolicyPreviewResponse,
  type PolicySource,
  type PolicyVersionView,
  policyOverridesViewSchema,
  policyPreviewResponseSchema,
  policyVersionListResponseSchema,
} from '@spot/shared';
import { leavesOf, mergePolicy } from '@spot/shared/policy/merge';
import { defineStore } from 'pinia';
import { computed, ref, toRaw } from 'vue';
import { z } from 'zod';
import { api, isApiError } from '../api/client';
import { effectiveOf, type PolicyEditState, unsavedChanges } from '../lib/policy-edit';

type PolicyView = OrganizationPolicyView | PolicyOverridesView;
const policyViewSchema = z.union([organizationPolicyViewSchema, policyOverridesViewSchema]);

const pathOf = (level: PolicyLevel, scopeId: string | null) =>
  level === 'organization'
    ? '/api/client/policy'
    : `/api/client/${level === 'account' ? 'accounts' : 'clusters'}/${encodeURIComponent(scopeId ?? '')}/policy`;

/** The saved documents of the three levels above one cluster (what a preview merges the draft into). */
interface ClusterLayers {
  clusterId: string;
  organization: Policy;
  account: PolicyOverrides;
  cluster: PolicyOverrides;
}

/**
 * The policy page: one level (organization, an account or a cluster) edited as a draft, what it inherits,
 * the savings the draft would give on a cluster (previewed as the person edits, nothing written), the
 * version history and restore.
 */
export const usePoliciesStore = defineStore('policies', () => {
  const clusters = ref<ClusterListItem[]>([]);
  const level = ref<PolicyLevel>('organization');
  const scopeId = ref<string | null>(null);
  const saved = ref<PolicyView | null>(null);
  const draft = ref<Policy | PolicyOverrides>(defaultPolicy);
  const inherited = ref<Policy>(defaultPolicy);
  const inheritedSources = ref<Record<string, PolicySource>>({});
  const loading = ref(false);
  const error = ref<unknown>(null);
  const saving = ref(false);
  /** Set when a save lost to someone else's: their version, to load and review. */
  const staleCurrent = ref<PolicyView | null>(null);

  const previewClusterId = ref<string | null>(null);
  const layers = ref<ClusterLayers | null>(null);
  const preview = ref<PolicyPreviewResponse | null>(null);
  const previewLoading = ref(false);
  const previewError = ref<unknown>(null);

  const versions = ref<PolicyVersionView[]>([]);
  const versionsLoading = ref(false);

  const editState = computed<PolicyEditState>(() => ({
    level: level.value,
    draft: draft.value,
    inherited: inherited.value,
  }));
  const effective = computed(() => effectiveOf(editState.value));
  const changes = computed(() => (saved.value ? unsavedChanges(saved.value.policy, draft.value) : []));
  const dirty = computed(() => changes.value.length > 0);

  /** The clusters a preview may run on for the level shown (an account's own clusters for an account). */
  const previewClusters = computed(() =>
    level.value === 'account' ? clusters.value.filter((c) => c.accountId === scopeId.value) : clusters.value,
  );

  async function loadClusters(): Promise<void> {
    const all: ClusterListItem[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
      const page = await api.get(`/api/client/clusters${query}`, clusterListResponseSchema);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    clusters.value = all.sort((a, b) => a.name.localeCompare(b.name, 'en'));
  }

  const getView = (l: PolicyLevel, id: string | null) => api.get(pathOf(l, id), policyViewSchema);

  /** Sources of a merged document: the deepest level that set each leaf. */
  function sourcesOf(docs: [PolicySource, object | null][]): Record<string, PolicySource> {
    const out: Record<string, PolicySource> = {};
    for (const [source, doc] of docs) {
      if (doc) for (const [path] of leavesOf(doc as Record<string, unknown>)) out[path] = source;
    }
    return out;
  }

  /** Opens one level: its saved document as the draft, and what it inherits. */
  async function open(nextLevel: PolicyLevel, nextScopeId: string | null): Promise<void> {
    loading.value = true;
    error.value = null;
    staleCurrent.value = null;
    try {
      if (clusters.value.length === 0) await loadClusters();
      const view = await getView(nextLevel, nextScopeId);
      let base: Policy = defaultPolicy;
      let sources: Record<string, PolicySource> = {};
      if (nextLevel !== 'organization') {
        const org = await getView('organization', null);
        const orgDoc = org.version > 0 ? org.policy : null;
        base = org.policy as Policy;
        sources = sourcesOf([['organization', orgDoc]]);
        if (nextLevel === 'cluster') {
          const cluster = clusters.value.find((c) => c.id === nextScopeId);
          if (cluster) {
            const account = await getView('account', cluster.accountId);
            base = mergePolicy(base, account.policy as PolicyOverrides);
            sources = { ...sources, ...sourcesOf([['account', account.policy]]) };
          }
        }
      }
      level.value = nextLevel;
      scopeId.value = nextScopeId;
      saved.value = view;
      draft.value = structuredClone(view.policy) as Policy | PolicyOverrides;
      inherited.value = base;
      inheritedSources.value = sources;
      versions.value = [];
      const candidates = previewClusters.value;
      if (nextLevel === 'cluster') previewClusterId.value = nextScopeId;
      else if (!candidates.some((c) => c.id === previewClusterId.value)) {
        previewClusterId.value = candidates[0]?.id ?? null;
      }
      layers.value = null;
    } catch (e) {
      error.value = e;
      throw e;
    } finally {
      loading.value = false;
    }
  }

  async function layersOf(clusterId: string): Promise<ClusterLayers> {
    if (layers.value?.clusterId === clusterId) return layers.value;
    const cluster = clusters.value.find((c) => c.id === clusterId);
    const [organization, account, own] = await Promise.all([
      getView('organization', null),
      cluster ? getView('account', cluster.accountId) : Promise.resolve(null),
      getView('cluster', clusterId),
    ]);
    layers.value = {
      clusterId,
      organization: organization.policy as Policy,
      account: (account?.policy ?? {}) as PolicyOverrides,
      cluster: own.policy as PolicyOverrides,
    };
    return layers.value;
  }

  let previewAbort: AbortController | null = null;
  /**
   * The savings of the draft on the preview cluster. The draft replaces its own level among the saved
   * levels above and below it, and the merged policy is sent whole, so the figures are what that cluster
   * would get if this draft were saved.
   */
  async function runPreview(): Promise<void> {
    const clusterId = previewClusterId.value;
    previewAbort?.abort();
    if (!clusterId) {
      preview.value = null;
      return;
    }
    const abort = new AbortController();
    previewAbort = abort;
    previewLoading.value = true;
    previewError.value = null;
    try {
      const l = await layersOf(clusterId);
      const merged =
        level.value === 'organization'
          ? mergePolicy(effective.value, l.account, l.cluster)
          : level.value === 'account'
            ? mergePolicy(l.organization, draft.value as PolicyOverrides, l.cluster)
            : mergePolicy(l.organization, l.account, draft.value as PolicyOverrides);
      const body = await api.post(
        `/api/client/clusters/${encodeURIComponent(clusterId)}/policy/preview`,
        { policy: merged },
        policyPreviewResponseSchema,
        { signal: abort.signal },
      );
      if (previewAbort === abort) preview.value = body;
    } catch (e) {
      if (abort.signal.aborted) return;
      previewError.value = e;
    } finally {
      if (previewAbort === abort) previewLoading.value = false;
    }
  }

  async function save(): Promise<void> {
    if (!saved.value) return;
    saving.value = true;
    staleCurrent.value = null;
    try {
      const view = await api.put(
        pathOf(level.value, scopeId.value),
        { version: saved.value.version, policy: draft.value },
        policyViewSchema,
      );
      saved.value = view;
      draft.value = structuredClone(view.policy) as Policy | PolicyOverrides;
      layers.value = null;
      if (versions.value.length > 0) void loadVersions();
    } catch (e) {
      if (isApiError(e) && e.code === 'POLICY_VERSION_STALE') {
        const current = policyViewSchema.safeParse((e.details as { current?: unknown } | undefined)?.current);
        staleCurrent.value = current.success ? current.data : null;
      }
      throw e;
    } finally {
      saving.value = false;
    }
  }

  /** Drops the draft: back to the saved document (or to someone else's newer one after a stale save). */
  function reset(): void {
    if (staleCurrent.value) saved.value = staleCurrent.value;
    staleCurrent.value = null;
    // `saved` holds a reactive proxy, which structuredClone refuses (DataCloneError): clone the raw object.
    if (saved.value) draft.value = structuredClone(toRaw(saved.value).policy) as Policy | PolicyOverrides;
  }

  async function loadVersions(): Promise<void> {
    versionsLoading.value = true;
    try {
      const body = await api.get(
        `${pathOf(level.value, scopeId.value)}/versions`,
        policyVersionListResponseSchema,
      );
      versions.value = body.items;
    } finally {
      versionsLoading.value = false;
    }
  }

  async function restore(version: number): Promise<void> {
    const view = await api.post(
      `${pathOf(level.value, scopeId.value)}/versions/${version}/restore`,
      {},
      policyViewSchema,
    );
    saved.value = view;
    draft.value = structuredClone(view.policy) as Policy | PolicyOverrides;
    layers.value = null;
    await loadVersions();
  }

  /** The effective policy of a cluster as saved, with the level that set each field. */
  const effectiveOfCluster = (clusterId: string) =>
    api.get(
      `/api/client/clusters/${encodeURIComponent(clusterId)}/policy/effective`,
      effectivePolicyResponseSchema,
    );

  function $reset(): void {
    previewAbort?.abort();
    clusters.value = [];
    level.value = 'organization';
    scopeId.value = null;
    saved.value = null;
    draft.value = defaultPolicy;
    inherited.value = defaultPolicy;
    inheritedSources.value = {};
    error.value = null;
    staleCurrent.value = null;
    previewClusterId.value = null;
    layers.value = null;
    preview.value = null;
    previewError.value = null;
    versions.value = [];
  }

  return {
    clusters,
    level,
    scopeId,
    saved,
    draft,
    inherited,
    inheritedSources,
    loading,
    error,
    saving,
    staleCurrent,
    previewClusterId,
    previewClusters,
    preview,
    previewLoading,
    previewError,
    versions,
    versionsLoading,
    editState,
    effective,
    changes,
    dirty,
    open,
    runPreview,
    save,
    reset,
    loadVersions,
    restore,
    effectiveOfCluster,
    $reset,
  };
});
