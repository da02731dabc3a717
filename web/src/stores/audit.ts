import {
  type AuditExportVerifyResponse,
  type AuditFilter,
  type AuditRecordDetail,
  type AuditRecordView,
  type AuditSettingsView,
  type AuditTestEventResponse,
  type AuditVerifyResponse,
  type auditExportInputSchema,
  auditExportLinkSchema,
  auditExportVerifyResponseSchema,
  auditListResponseSchema,
  auditRecordDetailSchema,
  auditSettingsViewSchema,
  auditTestEventResponseSchema,
  auditVerifyResponseSchema,
  type PutAuditSettingsInput,
} from '@spot/shared';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { z } from 'zod';
import { api, apiResponse } from '../api/client';
import { type DownloadProgress, fileNameOf, readWithProgress, sha256Hex } from '../lib/audit-download';

const base = '/api/client/audit';
/** What the page asks for: `delivery` defaults to `auto` (inline when it fits, a download link otherwise). */
type AuditExportInput = z.input<typeof auditExportInputSchema>;
/** Records per page of the trail: a screenful and a bit, well inside the API's 500. */
export const auditPageSize = 50;
/**
 * Requests a filtered search makes on its own before it asks to go on: each reads at most the server's
 * read budget (1,000 records), so a search goes some 40,000 records back (weeks of a busy organization)
 * in a few seconds, showing how far it got.
 */
export const autoSearchRequests = 40;

/** An export as it arrived: the file, what the server vouches for, and the checksum recomputed here. */
export interface AuditExportResult {
  fileName: string;
  contentType: string;
  bytes: Uint8Array;
  /** `x-content-sha256`: the checksum the signature covers. */
  sha256: string;
  /** `x-audit-signature`: keep it with the file to verify it later. */
  signature: string;
  /** `x-audit-covers`: "first-last lastHash" of the chain segment, empty for an empty range. */
  covers: string;
  /** SHA-256 of the bytes received, computed in the browser (null without Web Crypto). */
  receivedSha256: string | null;
}

/** A settings view with what an API may add per destination (a last delivery), kept for the page. */
export type AuditSettingsWithDelivery = AuditSettingsView & { lastDelivered: Record<string, unknown> };

/** The schema drops fields it does not know; a destination's `lastDelivered` is read from the raw body. */
function withDelivery(raw: unknown): AuditSettingsWithDelivery {
  const view = auditSettingsViewSchema.parse(raw);
  const rawDestinations =
    (raw as { destinations?: { id?: unknown; lastDelivered?: unknown }[] }).destinations ?? [];
  const lastDelivered: Record<string, unknown> = {};
  for (const d of rawDestinations) if (typeof d?.id === 'string') lastDelivered[d.id] = d.lastDelivered;
  return { ...view, lastDelivered };
}

const queryOf = (filter: AuditFilter, cursor: string | null): string => {
  const query = new URLSearchParams({ limit: String(auditPageSize) });
  for (const [key, value] of Object.entries(filter)) if (value) query.set(key, String(value));
  if (cursor) query.set('cursor', cursor);
  return query.toString();
};

/**
 * The Audit Logs & Compliance Center: the filtered trail a page at a time (newest first), one record's
 * details, chain verification, signed exports and their verification, and the compliance settings.
 */
export const useAuditStore = defineStore('audit', () => {
  // ------------------------------------------------------------------------------------- the trail
  const filter = ref<AuditFilter>({});
  const items = ref<AuditRecordView[]>([]);
  const nextCursor = ref<string | null>(null);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<unknown>(null);
  const loadingMore = ref(false);
  const moreError = ref<unknown>(null);
  /** Answers to an older filter arrive late sometimes; only the latest request may write the list. */
  let generation = 0;

  /**
   * How far back a filtered search has read when the server stopped at its read budget (its
   * `searchedThrough`), null once a page came back complete. While `searching`, the store is still
   * fetching the next stretch on its own.
   */
  const searchedThrough = ref<string | null>(null);
  const searching = ref(false);

  async function page(cursor: string | null) {
    const body = await api.get(`${base}?${queryOf(filter.value, cursor)}`, auditListResponseSchema);
    return { ...body, searchedThrough: body.searchedThrough ?? null };
  }

  /**
   * Follows the cursor while the server keeps stopping at its read budget, until `wanted` more records
   * arrived or {@link autoSearchRequests} requests were made; then Load more searches further.
   */
  async function searchOn(mine: number, wanted: number): Promise<void> {
    let found = 0;
    for (
      let i = 0;
      i < autoSearchRequests && nextCursor.value && searchedThrough.value && found < wanted;
      i++
    ) {
      const next = await page(nextCursor.value);
      if (mine !== generation) return;
      items.value = [...items.value, ...next.items];
      found += next.items.length;
      nextCursor.value = next.nextCursor;
      searchedThrough.value = next.searchedThrough;
    }
  }

  async function load(next: AuditFilter = filter.value): Promise<void> {
    const mine = ++generation;
    filter.value = next;
    loading.value = true;
    error.value = null;
    moreError.value = null;
    try {
      const first = await page(null);
      if (mine !== generation) return;
      items.value = first.items;
      nextCursor.value = first.nextCursor;
      searchedThrough.value = first.searchedThrough;
      loaded.value = true;
    } catch (e) {
      if (mine !== generation) return;
      error.value = e;
      throw e;
    } finally {
      if (mine === generation) loading.value = false;
    }
    await continueSearch(mine, auditPageSize - items.value.length);
  }

  async function continueSearch(mine: number, wanted: number): Promise<void> {
    if (wanted <= 0 || !searchedThrough.value) return;
    searching.value = true;
    try {
      await searchOn(mine, wanted);
    } catch (e) {
      if (mine === generation) moreError.value = e;
      throw e;
    } finally {
      if (mine === generation) searching.value = false;
    }
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor.value || loadingMore.value || searching.value) return;
    const mine = generation;
    loadingMore.value = true;
    moreError.value = null;
    try {
      const next = await page(nextCursor.value);
      if (mine !== generation) return;
      items.value = [...items.value, ...next.items];
      nextCursor.value = next.nextCursor;
      searchedThrough.value = next.searchedThrough;
    } catch (e) {
      if (mine === generation) moreError.value = e;
      throw e;
    } finally {
      loadingMore.value = false;
    }
    await continueSearch(mine, auditPageSize);
  }

  const detail = (id: string): Promise<AuditRecordDetail> =>
    api.get(`${base}/${encodeURIComponent(id)}`, auditRecordDetailSchema);

  // ------------------------------------------------------------------------------ verification
  const verification = ref<AuditVerifyResponse | null>(null);
  const verifying = ref(false);
  const verifyError = ref<unknown>(null);

  async function verifyChain(): Promise<AuditVerifyResponse> {
    verifying.value = true;
    verifyError.value = null;
    try {
      verification.value = await api.get(`${base}/verify`, auditVerifyResponseSchema);
      return verification.value;
    } catch (e) {
      verifyError.value = e;
      throw e;
    } finally {
      verifying.value = false;
    }
  }

  // ------------------------------------------------------------------------------------ exports
  const exporting = ref(false);
  const exportProgress = ref<DownloadProgress | null>(null);
  const lastExport = ref<AuditExportResult | null>(null);

  /** Downloads an export, reporting bytes as they arrive; the file is returned for the page to save. */
  async function exportFile(input: AuditExportInput): Promise<AuditExportResult> {
    exporting.value = true;
    exportProgress.value = { receivedBytes: 0, totalBytes: null };
    try {
      const response = await apiResponse(`${base}/exports`, { method: 'POST', body: input });
      const onProgress = (p: DownloadProgress) => {
        exportProgress.value = p;
      };
      let result: AuditExportResult;
      if (response.status === 201) {
        // Too large for a response (ADR 0029): the file is stored behind a presigned link, downloaded
        // here with the same progress; checksum and signature come in the answer's body.
        const link = auditExportLinkSchema.parse(await response.json());
        const file = await fetch(link.url);
        if (!file.ok)
          throw new Error(`The export could not be downloaded (HTTP ${file.status}). Export again.`);
        const bytes = await readWithProgress(file, onProgress);
        result = {
          fileName: link.fileName,
          contentType: link.contentType,
          bytes,
          sha256: link.sha256,
          signature: link.signature,
          covers: JSON.stringify(link.covers),
          receivedSha256: await sha256Hex(bytes),
        };
      } else {
        const bytes = await readWithProgress(response, onProgress);
        result = {
          fileName: fileNameOf(response.headers.get('content-disposition'), `audit-export.${input.format}`),
          contentType: response.headers.get('content-type') ?? 'application/octet-stream',
          bytes,
          sha256: response.headers.get('x-content-sha256') ?? '',
          signature: response.headers.get('x-audit-signature') ?? '',
          covers: response.headers.get('x-audit-covers') ?? '',
          receivedSha256: await sha256Hex(bytes),
        };
      }
      lastExport.value = result;
      return result;
    } finally {
      exporting.value = false;
    }
  }

  const verifyExport = (content: string, signature: string): Promise<AuditExportVerifyResponse> =>
    api.post(`${base}/exports/verify`, { content, signature }, auditExportVerifyResponseSchema);

  // --------------------------------------------------------------------------------- settings
  const settings = ref<AuditSettingsWithDelivery | null>(null);
  const settingsLoading = ref(false);
  const settingsError = ref<unknown>(null);

  async function loadSettings(): Promise<void> {
    settingsLoading.value = true;
    settingsError.value = null;
    try {
      settings.value = withDelivery(await api.get(`${base}/settings`));
    } catch (e) {
      settingsError.value = e;
      throw e;
    } finally {
      settingsLoading.value = false;
    }
  }

  async function saveSettings(input: PutAuditSettingsInput): Promise<AuditSettingsWithDelivery> {
    settings.value = withDelivery(await api.put(`${base}/settings`, input));
    return settings.value;
  }

  const sendTestEvent = (destinationId: string): Promise<AuditTestEventResponse> =>
    api.post(`${base}/settings/test-event`, { destinationId }, auditTestEventResponseSchema);

  function $reset(): void {
    generation++;
    filter.value = {};
    items.value = [];
    nextCursor.value = null;
    searchedThrough.value = null;
    searching.value = false;
    loaded.value = false;
    loading.value = false;
    error.value = null;
    loadingMore.value = false;
    moreError.value = null;
    verification.value = null;
    verifyError.value = null;
    lastExport.value = null;
    exportProgress.value = null;
    settings.value = null;
    settingsError.value = null;
  }

  return {
    filter,
    items,
    nextCursor,
    searchedThrough,
    searching,
    loaded,
    loading,
    error,
    loadingMore,
    moreError,
    load,
    loadMore,
    detail,
    verification,
    verifying,
    verifyError,
    verifyChain,
    exporting,
    exportProgress,
    lastExport,
    exportFile,
    verifyExport,
    settings,
    settingsLoading,
    settingsError,
    loadSettings,
    saveSettings,
    sendTestEvent,
    $reset,
  };
});
