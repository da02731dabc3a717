import {
  karpenterResponseSchema,
  type NodeTemplateDraftInput,
  type NodeTemplateView,
  nodeTemplateListResponseSchema,
  nodeTemplateViewSchema,
  securityGroupListResponseSchema,
  validateNodeTemplateResponseSchema,
} from '@spot/shared';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { z } from 'zod';
import { api } from '../api/client';

export type TemplateValidationResponse = z.infer<typeof validateNodeTemplateResponseSchema>;
export type KarpenterManifestsResponse = z.infer<typeof karpenterResponseSchema>;
export type SecurityGroupOption = z.infer<typeof securityGroupListResponseSchema>['items'][number];
/** What the wizard validates: a draft whose name may still be empty, and the template being edited. */
export type TemplateDraftForValidation = Omit<
  NodeTemplateDraftInput,
  'name' | 'isDefault' | 'description'
> & {
  name?: string;
  templateId?: string;
};

const base = '/api/client/node-templates';
const templatePath = (id: string) => `${base}/${encodeURIComponent(id)}`;
const byName = (a: NodeTemplateView, b: NodeTemplateView) => a.name.localeCompare(b.name, 'en');

/** The organization's node templates and their actions; the default star moves optimistically. */
export const useNodeTemplatesStore = defineStore('nodeTemplates', () => {
  const items = ref<NodeTemplateView[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<unknown>(null);

  const defaultTemplate = computed(() => items.value.find((t) => t.isDefault) ?? null);

  let inFlight: Promise<void> | null = null;
  function load(): Promise<void> {
    inFlight ??= (async () => {
      loading.value = true;
      error.value = null;
      try {
        const body = await api.get(base, nodeTemplateListResponseSchema);
        items.value = [...body.items].sort(byName);
        loaded.value = true;
      } catch (e) {
        error.value = e;
        throw e;
      } finally {
        loading.value = false;
        inFlight = null;
      }
    })();
    return inFlight;
  }

  /**
   * Puts what the API said about one template into the list. A template that became the default
   * takes the star from the others at once; their new versions come with the next quiet reload.
   */
  function remember(template: NodeTemplateView): NodeTemplateView {
    const others = items.value.filter((t) => t.id !== template.id);
    const cleared = template.isDefault
      ? others.map((t) => (t.isDefault ? { ...t, isDefault: false } : t))
      : others;
    items.value = [...cleared, template].sort(byName);
    return template;
  }

  /** Reloads without surfacing a failure: the list on screen stays as it is. */
  const refreshQuietly = () => load().catch(() => undefined);

  async function create(draft: NodeTemplateDraftInput): Promise<NodeTemplateView> {
    const template = remember(await api.post(base, draft, nodeTemplateViewSchema));
    if (template.isDefault) void refreshQuietly();
    return template;
  }

  async function update(
    id: string,
    draft: NodeTemplateDraftInput & { version: number },
  ): Promise<NodeTemplateView> {
    const template = remember(await api.put(templatePath(id), draft, nodeTemplateViewSchema));
    if (template.isDefault) void refreshQuietly();
    return template;
  }

  async function clone(id: string, name: string): Promise<NodeTemplateView> {
    return remember(await api.post(`${templatePath(id)}/clone`, { name }, nodeTemplateViewSchema));
  }

  /**
   * Optimistic: the star moves before the server answers; if it refuses, the list goes back to what it
   * was and the error is thrown for the page to show.
   */
  async function setDefault(id: string): Promise<NodeTemplateView> {
    const previous = items.value;
    items.value = previous.map((t) => ({ ...t, isDefault: t.id === id }));
    try {
      const template = remember(await api.post(`${templatePath(id)}/default`, {}, nodeTemplateViewSchema));
      void refreshQuietly();
      return template;
    } catch (e) {
      items.value = previous;
      throw e;
    }
  }

  async function remove(id: string): Promise<void> {
    await api.delete(templatePath(id));
    items.value = items.value.filter((t) => t.id !== id);
  }

  function validate(
    draft: TemplateDraftForValidation,
    where: { accountId?: string; region?: string } = {},
    signal?: AbortSignal,
  ): Promise<TemplateValidationResponse> {
    const query = new URLSearchParams();
    if (where.accountId) query.set('accountId', where.accountId);
    if (where.region) query.set('region', where.region);
    const suffix = query.size > 0 ? `?${query}` : '';
    return api.post(
      `${base}/validate${suffix}`,
      draft,
      validateNodeTemplateResponseSchema,
      signal ? { signal } : {},
    );
  }

  function karpenter(id: string, where: { clusterName?: string; region?: string } = {}) {
    const query = new URLSearchParams();
    if (where.clusterName) query.set('clusterName', where.clusterName);
    if (where.region) query.set('region', where.region);
    const suffix = query.size > 0 ? `?${query}` : '';
    return api.get(`${templatePath(id)}/karpenter${suffix}`, karpenterResponseSchema);
  }

  async function securityGroups(accountId: string, region: string): Promise<SecurityGroupOption[]> {
    const query = new URLSearchParams({ region });
    const body = await api.get(
      `/api/client/accounts/${encodeURIComponent(accountId)}/security-groups?${query}`,
      securityGroupListResponseSchema,
    );
    return body.items;
  }

  function $reset(): void {
    items.value = [];
    loaded.value = false;
    loading.value = false;
    error.value = null;
  }

  return {
    items,
    loaded,
    loading,
    error,
    defaultTemplate,
    load,
    remember,
    create,
    update,
    clone,
    setDefault,
    remove,
    validate,
    karpenter,
    securityGroups,
    $reset,
  };
});
