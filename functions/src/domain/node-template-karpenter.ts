import { createHash } from 'node:crypto';
import { canonicalJson, type NodeTemplateDraft, type NodeTemplateView } from '@spot/shared';
import { clusterEntity, clustersOfOrgQuery } from '../data/entities/cluster';
import { nodeTemplateDefaultEntity, nodeTemplateDefaultKey } from '../data/entities/node-template-default';
import { getItem, queryAll } from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { renderDesiredKarpenter } from './karpenter';
import { reconcileWhereChanged } from './karpenter-trigger';
import { createTemplate, getTemplate, setDefaultTemplate, updateTemplate } from './node-templates';
import { effectivePolicyOf } from './policy-effective';

/**
 * Node template saves reach Karpenter at once (issue 14, ADR 0046's "template edits wait for the next
 * sync" closed): before and after a save that can change what a cluster's Karpenter objects render to
 * (an edit, a new default), each cluster of the organization gets the fingerprint of its rendered
 * EC2NodeClass and NodePool; the clusters whose fingerprint changed get the same automatic reconcile a
 * policy save triggers (guards, skips audited once, never failing the save). Clusters with Intelligent
 * Autoscaling off are fingerprinted without reading a template.
 */

const off = 'autoscaling-off';
const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 20);

export async function karpenterRenderFingerprintsOf(orgId: string): Promise<Map<string, string>> {
  const [clusters, pointer] = await Promise.all([
    queryAll(clusterEntity, clustersOfOrgQuery(orgId)),
    getItem(nodeTemplateDefaultEntity, nodeTemplateDefaultKey(orgId), true),
  ]);
  // One read per template however many clusters use it; a template gone is a fingerprint of its own.
  const templates = new Map<string, Promise<NodeTemplateView | null>>();
  const templateOf = (id: string) => {
    if (!templates.has(id))
      templates.set(
        id,
        getTemplate(orgId, id).catch(() => null),
      );
    return templates.get(id) as Promise<NodeTemplateView | null>;
  };
  const out = new Map<string, string>();
  await Promise.all(
    clusters.map(async (c) => {
      const { policy } = await effectivePolicyOf(orgId, { clusterId: c.clusterId, accountId: c.accountId });
      const autoscaling = policy.infrastructure.autoscaling;
      const templateId = autoscaling.nodeTemplateId ?? pointer?.templateId ?? null;
      if (!autoscaling.enabled || templateId === null) return void out.set(c.clusterId, off);
      const template = await templateOf(templateId);
      out.set(
        c.clusterId,
        template
          ? hash(canonicalJson(renderDesiredKarpenter(template, policy, c.name)))
          : `missing:${templateId}`,
      );
    }),
  );
  return out;
}

/** Reconciles the clusters whose rendered objects changed; never fails the save. */
export const reconcileAfterTemplateSave = (orgId: string, before: ReadonlyMap<string, string>, now: Date) =>
  reconcileWhereChanged(orgId, before, () => karpenterRenderFingerprintsOf(orgId), now, 'template save');

/** Fingerprints before (a failure to read them must not block the save), the save, then the reconcile. */
async function thenReconcile<T>(orgId: string, now: Date, save: () => Promise<T>) {
  const before = await karpenterRenderFingerprintsOf(orgId).catch((error) => {
    logger.warn('karpenter: fingerprints before template save failed', errorFields(error));
    return null;
  });
  const result = await save();
  const reconciled = before ? await reconcileAfterTemplateSave(orgId, before, now) : [];
  return { ...result, reconciled };
}

// A new template can become the default (asked for, or the organization's first), which changes the
// rendering of clusters whose policy names no template.
export const createTemplateAndReconcile = (orgId: string, draft: NodeTemplateDraft, now: Date) =>
  thenReconcile(orgId, now, () => createTemplate(orgId, draft, now));

export const updateTemplateAndReconcile = (
  orgId: string,
  templateId: string,
  draft: NodeTemplateDraft & { version: number },
  now: Date,
) => thenReconcile(orgId, now, () => updateTemplate(orgId, templateId, draft, now));

export const setDefaultTemplateAndReconcile = (orgId: string, templateId: string, now: Date) =>
  thenReconcile(orgId, now, () => setDefaultTemplate(orgId, templateId, now));
