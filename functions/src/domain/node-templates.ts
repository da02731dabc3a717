import { randomUUID } from 'node:crypto';
import {
  ConflictError,
  canonicalJson,
  DomainError,
  type NodeTemplateDraft,
  type NodeTemplateSpec,
  type NodeTemplateView,
  NotFoundError,
  nodeTemplateSpecSchema,
} from '@spot/shared';
import { loadCatalog } from '@spot/shared/pricing/catalog';
import { validateNodeTemplate } from '@spot/shared/templates/validate';
import type { z } from 'zod';
import { clusterEntity } from '../data/entities/cluster';
import { policiesOfOrgQuery, policyEntity } from '../data/entities/cluster-policy';
import { nodeTemplateEntity, nodeTemplateKey, nodeTemplatesQuery } from '../data/entities/node-template';
import { nodeTemplateDefaultEntity, nodeTemplateDefaultKey } from '../data/entities/node-template-default';
import { nodeTemplateNameClaimEntity, nodeTemplateNameKey } from '../data/entities/node-template-name-claim';
import { orgItemsQuery } from '../data/entities/organization';
import {
  cancellationReasons,
  cancelledConditions,
  getItem,
  queryAll,
  type TransactItem,
  transactDelete,
  transactPut,
  transactUpdate,
  transactWrite,
  where,
} from '../data/repository';
import { clusterIdsOfOrg, recountDriftOf } from './cluster-findings';

type StoredTemplate = z.infer<typeof nodeTemplateEntity.schema>;

/** A draft that conflicts with the catalog or with AWS's limits: 422 with every conflict, field by field. */
export class TemplateConflictError extends DomainError {
  constructor(conflicts: { field: string; message: string }[]) {
    super(
      'TEMPLATE_CONFLICTS',
      conflicts.length === 1
        ? (conflicts[0]?.message ?? 'The template has a conflict.')
        : `The template has ${conflicts.length} conflicts: ${conflicts.map((c) => c.message).join(' ')}`,
      422,
      { conflicts },
    );
    this.name = 'TemplateConflictError';
  }
}

const templateNotFound = () => new NotFoundError('The node template');
const nameTaken = (name: string) =>
  new ConflictError('TEMPLATE_NAME_TAKEN', `A template named "${name}" already exists. Choose another name.`);

export function toTemplateView(t: StoredTemplate): NodeTemplateView {
  const spec = nodeTemplateSpecSchema.parse(t.spec);
  return {
    id: t.templateId,
    name: t.name,
    description: t.description,
    isDefault: t.isDefault,
    version: t.version,
    ...spec,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

const specOf = (draft: NodeTemplateSpec): NodeTemplateSpec => ({
  families: draft.families,
  architecture: draft.architecture,
  excludedSizes: draft.excludedSizes,
  capacityType: draft.capacityType,
  ...(draft.spotAllocationStrategy ? { spotAllocationStrategy: draft.spotAllocationStrategy } : {}),
  disk: draft.disk,
  securityGroupIds: draft.securityGroupIds,
});

/** Refuses a draft the catalog or AWS would refuse, with every conflict (the validate route shows them live). */
function assertNoConflicts(spec: NodeTemplateSpec) {
  const { conflicts } = validateNodeTemplate(spec, loadCatalog().instanceTypes);
  if (conflicts.length > 0) throw new TemplateConflictError(conflicts);
}

async function loadTemplate(orgId: string, templateId: string, consistent = false) {
  const t = await getItem(nodeTemplateEntity, nodeTemplateKey(orgId, templateId), consistent);
  if (!t) throw templateNotFound();
  return t;
}

export async function listTemplates(orgId: string, search?: string) {
  const all = await queryAll(nodeTemplateEntity, nodeTemplatesQuery(orgId));
  const needle = search?.trim().toLowerCase();
  return all
    .filter((t) => !needle || t.name.toLowerCase().includes(needle))
    .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name))
    .map(toTemplateView);
}

export const getTemplate = async (orgId: string, templateId: string) =>
  toTemplateView(await loadTemplate(orgId, templateId));

/** Whether `name` is free in the organization (case-insensitively), or held by `exceptTemplateId`. */
export async function templateNameFree(orgId: string, name: string, exceptTemplateId?: string) {
  const claim = await getItem(nodeTemplateNameClaimEntity, nodeTemplateNameKey(orgId, name));
  return claim === undefined || claim.templateId === exceptTemplateId;
}

/**
 * The writes that make `templateId` the default: the pointer moves only from the one we read (so a
 * concurrent move cancels us), the old default is cleared and the new one flagged, all in the caller's
 * transaction.
 */
async function defaultMove(orgId: string, templateId: string, now: Date): Promise<TransactItem[]> {
  const pointer = await getItem(nodeTemplateDefaultEntity, nodeTemplateDefaultKey(orgId), true);
  if (pointer?.templateId === templateId) return [];
  const items: TransactItem[] = [
    transactPut(
      nodeTemplateDefaultEntity,
      { orgId, templateId, updatedAt: now.toISOString() },
      pointer ? where.eq('templateId', pointer.templateId) : where.itemNotExists(),
    ),
  ];
  if (pointer) {
    items.push(
      transactUpdate(
        nodeTemplateKey(orgId, pointer.templateId),
        { set: { isDefault: false, updatedAt: now.toISOString() }, add: { version: 1 } },
        where.itemExists(),
      ),
    );
  }
  return items;
}

/** Transactions that lost a race are tried again on what is there now (a few times, then 503). */
async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      // A condition on the default pointer failed (another move won) or DynamoDB saw two transactions on
      // one item at once; a failed condition on the caller's own items was turned into a 4xx before this.
      const retryable = cancellationReasons(error)?.some(
        (r) => r === 'ConditionalCheckFailed' || r === 'TransactionConflict',
      );
      if (!retryable || i >= 12) throw error;
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * (i + 1)));
    }
  }
}

export async function createTemplate(orgId: string, draft: NodeTemplateDraft, now: Date) {
  const spec = specOf(draft);
  assertNoConflicts(spec);
  const templateId = randomUUID();
  const nowIso = now.toISOString();
  const existing = await queryAll(nodeTemplateEntity, nodeTemplatesQuery(orgId));
  // The organization's first template is its default: there is always exactly one once there is any.
  const isDefault = draft.isDefault || existing.length === 0;
  const template: StoredTemplate = {
    orgId,
    templateId,
    name: draft.name,
    description: draft.description,
    isDefault,
    version: 1,
    spec,
    createdAt: nowIso,
    updatedAt: nowIso,
  };
  await withRetries(async () => {
    const items = [
      transactPut(nodeTemplateEntity, template, true),
      claimName(orgId, draft.name, templateId),
      ...(isDefault ? await defaultMove(orgId, templateId, now) : []),
    ];
    try {
      await transactWrite(items);
    } catch (error) {
      if (cancelledConditions(error)?.[1]) throw nameTaken(draft.name);
      throw error;
    }
  });
  // A new default: the clusters following the default are held to it now (ADR 0068).
  if (isDefault) await recountDriftOf(orgId, () => clusterIdsOfOrg(orgId), 'default template change');
  return { template: toTemplateView(template) };
}

const claimName = (orgId: string, name: string, templateId: string) =>
  transactPut(nodeTemplateNameClaimEntity, { orgId, name, templateId }, true);

export async function updateTemplate(
  orgId: string,
  templateId: string,
  draft: NodeTemplateDraft & { version: number },
  now: Date,
) {
  const spec = specOf(draft);
  // A template that is not there (or is another organization's) is a 404 whatever the body says.
  await loadTemplate(orgId, templateId);
  assertNoConflicts(spec);
  const saved = await writeTemplate(orgId, templateId, draft, spec, now);
  // What the template allows changed (or it became the default): the registry recounts drift (ADR 0068).
  if (
    canonicalJson(nodeTemplateSpecSchema.parse(saved.before)) !==
      canonicalJson(nodeTemplateSpecSchema.parse(saved.template)) ||
    saved.before.isDefault !== saved.template.isDefault
  )
    await recountDriftOf(orgId, () => clusterIdsOfOrg(orgId), 'template change');
  return saved;
}

function writeTemplate(
  orgId: string,
  templateId: string,
  draft: NodeTemplateDraft & { version: number },
  spec: NodeTemplateSpec,
  now: Date,
) {
  return withRetries(async () => {
    const before = await loadTemplate(orgId, templateId, true);
    if (before.version !== draft.version) throw staleVersion(before);
    if (before.isDefault && !draft.isDefault) {
      throw new ConflictError(
        'TEMPLATE_DEFAULT_REQUIRED',
        'This template is the default. Set another template as the default instead.',
      );
    }
    const renamed = before.name.toLowerCase() !== draft.name.toLowerCase();
    const after: StoredTemplate = {
      ...before,
      name: draft.name,
      description: draft.description,
      isDefault: before.isDefault || draft.isDefault,
      version: before.version + 1,
      spec,
      updatedAt: now.toISOString(),
    };
    const items = [
      transactPut(nodeTemplateEntity, after, where.eq('version', before.version)),
      ...(renamed
        ? [
            claimName(orgId, draft.name, templateId),
            transactDelete(nodeTemplateNameKey(orgId, before.name), where.eq('templateId', templateId)),
          ]
        : []),
      ...(!before.isDefault && draft.isDefault ? await defaultMove(orgId, templateId, now) : []),
    ];
    try {
      await transactWrite(items);
    } catch (error) {
      const failed = cancelledConditions(error);
      if (failed?.[0]) {
        throw staleVersion(await loadTemplate(orgId, templateId, true));
      }
      if (renamed && failed?.[1]) throw nameTaken(draft.name);
      throw error;
    }
    return { before: toTemplateView(before), template: toTemplateView(after) };
  });
}

function staleVersion(current: StoredTemplate) {
  return new ConflictError(
    'TEMPLATE_VERSION_STALE',
    'Someone changed this template since you opened it. Review their changes and save again.',
    { details: { current: toTemplateView(current) } },
  );
}

export async function cloneTemplate(orgId: string, templateId: string, name: string, now: Date) {
  const source = await loadTemplate(orgId, templateId);
  const spec = nodeTemplateSpecSchema.parse(source.spec);
  return createTemplate(
    orgId,
    { ...spec, name, description: source.description, isDefault: false },
    now,
  ).then((r) => ({ ...r, source: toTemplateView(source) }));
}

export async function setDefaultTemplate(orgId: string, templateId: string, now: Date) {
  const saved = await withRetries(async () => {
    const before = await loadTemplate(orgId, templateId, true);
    const moves = await defaultMove(orgId, templateId, now);
    if (moves.length > 0) {
      try {
        await transactWrite([
          ...moves,
          transactUpdate(
            nodeTemplateKey(orgId, templateId),
            { set: { isDefault: true, updatedAt: now.toISOString() }, add: { version: 1 } },
            where.itemExists(),
          ),
        ]);
      } catch (error) {
        // The template itself is gone (deleted meanwhile): 404, not another attempt.
        if (cancelledConditions(error)?.at(-1)) throw templateNotFound();
        throw error;
      }
    }
    const after = await loadTemplate(orgId, templateId, true);
    return { before: toTemplateView(before), template: toTemplateView(after) };
  });
  // The clusters following the default are held to this template now (ADR 0068).
  if (!saved.before.isDefault)
    await recountDriftOf(orgId, () => clusterIdsOfOrg(orgId), 'default template change');
  return saved;
}

/** Where a template is used: the policies and clusters naming it (delete refuses while there are any). */
async function usesOf(orgId: string, templateId: string) {
  const [policies, clusters] = await Promise.all([
    queryAll(policyEntity, policiesOfOrgQuery(orgId)),
    queryAll(clusterEntity, orgItemsQuery('CLUSTER')(orgId)),
  ]);
  const policyUses = (doc: Record<string, unknown>) => {
    const autoscaling = (doc.infrastructure as { autoscaling?: { nodeTemplateId?: unknown } } | undefined)
      ?.autoscaling;
    return autoscaling?.nodeTemplateId === templateId;
  };
  const usedBy = (doc: Record<string, unknown>) =>
    doc.nodeTemplateId === templateId ||
    (Array.isArray(doc.nodeTemplateIds) && doc.nodeTemplateIds.includes(templateId));
  const clusterNames = new Map(clusters.map((c) => [c.clusterId, c.name]));
  return [
    ...policies
      .filter((p) => policyUses(p.document))
      .map((p) =>
        p.scope.level === 'organization'
          ? "the organization's default policy"
          : p.scope.level === 'account'
            ? `the policy of account ${p.scope.id}`
            : `the policy of cluster ${clusterNames.get(p.scope.id) ?? p.scope.id}`,
      ),
    ...clusters
      .filter((c) => usedBy(c as unknown as Record<string, unknown>))
      .map((c) => `cluster ${c.name}`),
  ];
}

export async function deleteTemplate(orgId: string, templateId: string) {
  const before = await loadTemplate(orgId, templateId, true);
  const uses = await usesOf(orgId, templateId);
  if (uses.length > 0) {
    throw new ConflictError(
      'TEMPLATE_IN_USE',
      `This template is in use by ${uses.slice(0, 5).join(', ')}${uses.length > 5 ? ` and ${uses.length - 5} more` : ''}. Choose another template there first.`,
    );
  }
  const others = (await queryAll(nodeTemplateEntity, nodeTemplatesQuery(orgId))).filter(
    (t) => t.templateId !== templateId,
  );
  if (before.isDefault && others.length > 0) {
    throw new ConflictError(
      'TEMPLATE_DEFAULT_REQUIRED',
      'This template is the default. Set another template as the default before deleting it.',
    );
  }
  try {
    await transactWrite([
      transactDelete(nodeTemplateKey(orgId, templateId), where.eq('version', before.version)),
      transactDelete(nodeTemplateNameKey(orgId, before.name), where.eq('templateId', templateId)),
      ...(before.isDefault
        ? [transactDelete(nodeTemplateDefaultKey(orgId), where.eq('templateId', templateId))]
        : []),
    ]);
  } catch (error) {
    if (cancelledConditions(error)?.[0]) {
      throw new ConflictError(
        'TEMPLATE_VERSION_STALE',
        'Someone changed this template meanwhile. Reload it and try again.',
      );
    }
    throw error;
  }
  // The default is gone: the clusters that followed it are held to no template now (ADR 0068).
  if (before.isDefault) await recountDriftOf(orgId, () => clusterIdsOfOrg(orgId), 'template deletion');
  return { before: toTemplateView(before) };
}
