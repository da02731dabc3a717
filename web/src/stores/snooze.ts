import { type SnoozePreview, type SnoozeResult, snoozePreviewSchema, snoozeResultSchema } from '@spot/shared';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError, api, isApiError } from '../api/client';

const path = '/api/public/hibernation/snooze';

/**
 * A hibernation notice's Snooze link (no sign-in): the page first asks what the link would do (a GET
 * changes nothing: mail scanners open links), and only the person's confirmation acts (a POST, once).
 */
export const useSnoozeStore = defineStore('snooze', () => {
  const token = ref('');
  const preview = ref<SnoozePreview | null>(null);
  const result = ref<SnoozeResult | null>(null);
  const loading = ref(false);
  const confirming = ref(false);
  const error = ref<unknown>(null);

  /** Used (409), expired (410) or gone (404): the link is done with, not a failure to retry. */
  const linkSpent = computed(() => isApiError(error.value) && [404, 409, 410].includes(error.value.status));

  async function load(linkToken: string): Promise<void> {
    token.value = linkToken;
    preview.value = null;
    result.value = null;
    error.value = null;
    if (!linkToken) {
      error.value = new ApiError(
        400,
        'SNOOZE_LINK_INVALID',
        'This page needs the link from a hibernation notice (its address ends in ?token=…). Open the Snooze link from the email or Slack message again.',
      );
      return;
    }
    loading.value = true;
    try {
      preview.value = await api.get(`${path}?token=${encodeURIComponent(linkToken)}`, snoozePreviewSchema, {
        auth: false,
      });
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  }

  async function confirm(): Promise<void> {
    confirming.value = true;
    error.value = null;
    try {
      result.value = await api.post(path, { token: token.value }, snoozeResultSchema, { auth: false });
    } catch (e) {
      error.value = e;
    } finally {
      confirming.value = false;
    }
  }

  function $reset(): void {
    token.value = '';
    preview.value = null;
    result.value = null;
    error.value = null;
  }

  return { token, preview, result, loading, confirming, error, linkSpent, load, confirm, $reset };
});
