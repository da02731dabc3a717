import {
  clusterDetailResponseSchema,
  type DateOverride,
  type HibernationActionResponse,
  type HibernationSchedule,
  type HibernationView,
  type HolidayPreviewResponse,
  hibernationActionResponseSchema,
  hibernationFleetResponseSchema,
  hibernationViewSchema,
  holidayPreviewResponseSchema,
  type PutHibernationInput,
} from '@spot/shared';
import { localDateAt } from '@spot/shared/hibernation/engine';
import { defineStore } from 'pinia';
import { computed, ref, toRaw } from 'vue';
import { z } from 'zod';
import { api, errorMessage, isApiError } from '../api/client';
import { upcomingOverrides } from '../lib/hibernation-display';
import { sameGrid } from '../lib/hibernation-grid';

type FleetItem = z.infer<typeof hibernationFleetResponseSchema>['items'][number];

/** What the page edits before a save: the schedule, the dated overrides and the notification settings. */
export interface HibernationDraft {
  schedule: HibernationSchedule;
  overrides: DateOverride[];
  notifications: {
    enabled: boolean;
    emails: string[];
    /** A new Slack webhook (write-only), `null` to remove the one set, `undefined` to keep it. */
    slackWebhookUrl: string | null | undefined;
  };
}

/** A node group the scope may select, from the cluster's inventory. */
export interface ScopeGroup {
  nodeGroupId: string;
  name: string;
  kind: string;
  nodeCount: number;
  hourlyCostUsd: number;
}

const groupSchema = z
  .object({
    nodeGroupId: z.string(),
    name: z.string().catch(''),
    kind: z.string().catch(''),
    nodeCount: z.number().catch(0),
    hourlyCostUsd: z.number().catch(0),
  })
  .loose();
const workloadSchema = z.object({ namespace: z.string() }).loose();

const path = (clusterId: string) => `/api/client/clusters/${encodeURIComponent(clusterId)}/hibernation`;

function draftOf(reactiveView: HibernationView): HibernationDraft {
  // A view held in a ref is a reactive proxy, which structuredClone refuses: clone the object under it.
  const view = toRaw(reactiveView);
  return {
    schedule: structuredClone(view.schedule),
    overrides: structuredClone(view.overrides),
    notifications: {
      enabled: view.notifications.enabled,
      emails: [...view.notifications.emails],
      slackWebhookUrl: undefined,
    },
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The parts of the draft that differ from the saved view, named for the unsaved-changes bar. */
export function changedParts(saved: HibernationView, draft: HibernationDraft): string[] {
  const out: string[] = [];
  const s = saved.schedule;
  const d = draft.schedule;
  if (s.enabled !== d.enabled) out.push('hibernation on/off');
  if (s.timeZone !== d.timeZone) out.push('time zone');
  if (!sameGrid(s.weeklyGrid, d.weeklyGrid)) out.push('weekly schedule');
  if (s.preWarm !== d.preWarm) out.push('pre-warm');
  if (!same(saved.overrides, draft.overrides)) out.push('calendar overrides');
  if (!same(s.scope, d.scope)) out.push('scope');
  if (!same(s.protection, d.protection)) out.push('protection');
  if (
    saved.notifications.enabled !== draft.notifications.enabled ||
    !same(saved.notifications.emails, draft.notifications.emails) ||
    draft.notifications.slackWebhookUrl !== undefined
  )
    out.push('notifications');
  return out;
}

/** The PUT body for a draft on the version read. */
export const putBodyOf = (version: number, draft: HibernationDraft): PutHibernationInput => ({
  version,
  schedule: draft.schedule,
  overrides: draft.overrides,
  notifications: {
    enabled: draft.notifications.enabled,
    emails: draft.notifications.emails,
    ...(draft.notifications.slackWebhookUrl === undefined
      ? {}
      : { slackWebhookUrl: draft.notifications.slackWebhookUrl }),
  },
});

export interface ApplyResult {
  clusterId: string;
  name: string;
  ok: boolean;
  message: string;
}

/**
 * The Cluster Hibernation page: the fleet (every cluster with its state and savings), one cluster's
 * schedule edited as a draft and saved on the version read (a 409 keeps the draft and offers the newer
 * one), wake/hibernate now, the holiday preview, and applying one schedule to other clusters.
 */
export const useHibernationStore = defineStore('hibernation', () => {
  const fleet = ref<FleetItem[]>([]);
  const fleetTotalUsd = ref(0);
  const fleetLoaded = ref(false);
  const fleetLoading = ref(false);
  const fleetError = ref<unknown>(null);

  const selectedId = ref<string | null>(null);
  const saved = ref<HibernationView | null>(null);
  const draft = ref<HibernationDraft | null>(null);
  const groups = ref<ScopeGroup[]>([]);
  const namespaces = ref<string[]>([]);
  const loading = ref(false);
  const error = ref<unknown>(null);
  const saving = ref(false);
  const acting = ref<'wake' | 'sleep' | null>(null);
  /** After a stale save: the schedule as someone else saved it (the draft is kept until reloaded). */
  const staleCurrent = ref<HibernationView | null>(null);
  /** The last save lost to someone else's (409), whether or not their version came with the answer. */
  const stale = ref(false);

  const selected = computed(() => fleet.value.find((c) => c.clusterId === selectedId.value) ?? null);
  const changes = computed(() => (saved.value && draft.value ? changedParts(saved.value, draft.value) : []));
  const dirty = computed(() => changes.value.length > 0);
  /** The cluster's cost per hour running (the inventory's node groups), for the 24/7 baseline. */
  const hourlyCostUsd = computed(() => groups.value.reduce((sum, g) => sum + g.hourlyCostUsd, 0));

  async function loadFleet(): Promise<void> {
    fleetLoading.value = true;
    fleetError.value = null;
    try {
      const body = await api.get('/api/client/hibernation', hibernationFleetResponseSchema);
      fleet.value = [...body.items].sort((a, b) => a.name.localeCompare(b.name, 'en'));
      fleetTotalUsd.value = body.totalMonthToDateSavingsUsd;
      fleetLoaded.value = true;
    } catch (e) {
      fleetError.value = e;
      throw e;
    } finally {
      fleetLoading.value = false;
    }
  }

  /** Node groups and namespaces for the scope and protection pickers; the editor works without them. */
  async function loadInventory(clusterId: string): Promise<void> {
    try {
      const detail = await api.get(
        `/api/client/clusters/${encodeURIComponent(clusterId)}`,
        clusterDetailResponseSchema,
      );
      if (selectedId.value !== clusterId) return;
      groups.value = detail.nodeGroups
        .map((g) => groupSchema.safeParse(g))
        .flatMap((r) => (r.success ? [r.data] : []))
        .sort((a, b) => a.name.localeCompare(b.name, 'en'));
      const ns = detail.workloads
        .map((w) => workloadSchema.safeParse(w))
        .flatMap((r) => (r.success ? [r.data.namespace] : []));
      namespaces.value = [...new Set(ns)].sort();
    } catch {
      groups.value = [];
      namespaces.value = [];
    }
  }

  function remember(view: HibernationView): void {
    saved.value = view;
    draft.value = draftOf(view);
    staleCurrent.value = null;
    stale.value = false;
    patchFleet(view.clusterId, {
      status: view.status,
      enabled: view.schedule.enabled,
      timeZone: view.schedule.timeZone,
      configured: view.version > 0,
    });
  }

  function patchFleet(clusterId: string, patch: Partial<FleetItem>): void {
    fleet.value = fleet.value.map((c) => (c.clusterId === clusterId ? { ...c, ...patch } : c));
    fleetTotalUsd.value =
      Math.round(fleet.value.reduce((s, c) => s + c.status.monthToDateSavingsUsd, 0) * 100) / 100;
  }

  /** Opens one cluster's schedule as the draft. */
  async function open(clusterId: string): Promise<void> {
    // Another cluster: its editor shows loading, not the previous cluster's schedule under the new name (an
    // edit made there in the meantime went to the old draft and was then silently replaced).
    if (saved.value?.clusterId !== clusterId) {
      saved.value = null;
      draft.value = null;
    }
    selectedId.value = clusterId;
    loading.value = true;
    error.value = null;
    staleCurrent.value = null;
    stale.value = false;
    groups.value = [];
    namespaces.value = [];
    void loadInventory(clusterId);
    try {
      const view = await api.get(path(clusterId), hibernationViewSchema);
      if (selectedId.value === clusterId) remember(view);
    } catch (e) {
      if (selectedId.value === clusterId) error.value = e;
      throw e;
    } finally {
      loading.value = false;
    }
  }

  /** Reloads the status only (after a transition passed), keeping the draft. */
  async function refreshStatus(): Promise<void> {
    const id = selectedId.value;
    if (!id || !saved.value) return;
    const view = await api.get(path(id), hibernationViewSchema);
    if (selectedId.value !== id || !saved.value) return;
    saved.value = { ...saved.value, status: view.status };
    patchFleet(id, { status: view.status });
  }

  async function save(): Promise<HibernationView | null> {
    const id = selectedId.value;
    if (!id || !saved.value || !draft.value) return null;
    saving.value = true;
    staleCurrent.value = null;
    stale.value = false;
    try {
      const view = await api.put(
        path(id),
        putBodyOf(saved.value.version, draft.value),
        hibernationViewSchema,
      );
      remember(view);
      return view;
    } catch (e) {
      if (isApiError(e) && e.status === 409) {
        stale.value = true;
        const current = hibernationViewSchema.safeParse(
          (e.details as { current?: unknown } | undefined)?.current,
        );
        staleCurrent.value = current.success ? current.data : null;
      }
      throw e;
    } finally {
      saving.value = false;
    }
  }

  /** Drops the draft: back to the saved schedule (or, after a stale save, to the newer one). */
  function reset(): void {
    const current = staleCurrent.value;
    if (current) remember(current);
    else if (saved.value) draft.value = draftOf(saved.value);
  }

  /** After a 409 without the current view in the answer: read it again. */
  async function reload(): Promise<void> {
    if (selectedId.value) await open(selectedId.value);
  }

  function applyAction(result: HibernationActionResponse): void {
    if (saved.value?.clusterId === result.clusterId) saved.value = { ...saved.value, status: result.status };
    patchFleet(result.clusterId, { status: result.status });
  }

  async function wake(
    body: { hours: number } | { until: string },
  ): Promise<HibernationActionResponse | null> {
    const id = selectedId.value;
    if (!id) return null;
    acting.value = 'wake';
    try {
      const result = await api.post(`${path(id)}/wake`, body, hibernationActionResponseSchema);
      applyAction(result);
      return result;
    } finally {
      acting.value = null;
    }
  }

  async function sleep(): Promise<HibernationActionResponse | null> {
    const id = selectedId.value;
    if (!id) return null;
    acting.value = 'sleep';
    try {
      const result = await api.post(`${path(id)}/sleep`, {}, hibernationActionResponseSchema);
      applyAction(result);
      return result;
    } finally {
      acting.value = null;
    }
  }

  const previewHolidays = (input: {
    country: string;
    region?: string;
    year: number;
  }): Promise<HolidayPreviewResponse> =>
    api.post('/api/client/hibernation/holidays/preview', input, holidayPreviewResponseSchema);

  /**
   * Puts the saved schedule of the selected cluster (on/off, zone, weekly grid, pre-warm) and its upcoming
   * dated overrides on each target, one PUT per cluster on the version just read. Each target keeps its own
   * scope, protection and notifications (its node groups are its own). One failure does not stop the rest.
   */
  async function applyTo(targetIds: string[], now: Date): Promise<ApplyResult[]> {
    const source = saved.value;
    if (!source) return [];
    const { enabled, timeZone, weeklyGrid, preWarm } = source.schedule;
    const today = localDateAt(timeZone, now);
    const overrides = upcomingOverrides(source.overrides, today);
    const results: ApplyResult[] = [];
    for (const id of targetIds) {
      const name = fleet.value.find((c) => c.clusterId === id)?.name ?? id;
      try {
        const target = await api.get(path(id), hibernationViewSchema);
        const view = await api.put(
          path(id),
          {
            version: target.version,
            schedule: { ...target.schedule, enabled, timeZone, weeklyGrid, preWarm },
            overrides,
            notifications: { enabled: target.notifications.enabled, emails: target.notifications.emails },
          },
          hibernationViewSchema,
        );
        patchFleet(id, { status: view.status, enabled: view.schedule.enabled, timeZone, configured: true });
        results.push({ clusterId: id, name, ok: true, message: `Saved (version ${view.version}).` });
      } catch (e) {
        results.push({ clusterId: id, name, ok: false, message: errorMessage(e) });
      }
    }
    return results;
  }

  function $reset(): void {
    fleet.value = [];
    fleetTotalUsd.value = 0;
    fleetLoaded.value = false;
    fleetError.value = null;
    selectedId.value = null;
    saved.value = null;
    draft.value = null;
    groups.value = [];
    namespaces.value = [];
    error.value = null;
    staleCurrent.value = null;
    stale.value = false;
  }

  return {
    fleet,
    fleetTotalUsd,
    fleetLoaded,
    fleetLoading,
    fleetError,
    selectedId,
    selected,
    saved,
    draft,
    groups,
    namespaces,
    hourlyCostUsd,
    loading,
    error,
    saving,
    acting,
    staleCurrent,
    stale,
    changes,
    dirty,
    loadFleet,
    open,
    refreshStatus,
    save,
    reset,
    reload,
    wake,
    sleep,
    previewHolidays,
    applyTo,
    $reset,
  };
});
