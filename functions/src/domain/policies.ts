import {
  ConflictError,
  DomainError,
  NotFoundError,
  type OrganizationPolicyView,
  type Policy,
  type PolicyOverrides,
  type PolicyOverridesView,
  type PolicyVersionView,
  policyOverridesSchema,
  policySchema,
} from '@spot/shared';
import { diffPolicies } from '@spot/shared/policy/merge';
import { type PolicyScope, policyEntity, policyKey } from '../data/entities/cluster-policy';
import { nodeTemplateEntity, nodeTemplateKey } from '../data/entities/node-template';
import { policyVersionEntity, policyVersionKey, policyVersionsQuery } from '../data/entities/policy-version';
import {
  cancellationReasons,
  cancelledConditions,
  getItem,
  queryAll,
  transactCheck,
  transactPut,
  transactWrite,
  where,
} from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { loadAccount } from './accounts';
import { clusterIdsOfScope, recountDriftOf } from './cluster-findings';
import { loadCluster } from './clusters';
import { syncConsolidationSchedules } from './consolidation-schedule';
import { karpenterFingerprintsOf, reconcileAfterPolicySave } from './karpenter-trigger';
import { effectivePolicyOf } from './policy-effective';

/**
 * Optimization policies: the organization's default and the account and cluster overrides, each a
 * current pointer plus immutable versions. A save writes the next version and moves the pointer in one
 * transaction conditioned on the version the caller read (a stale save is a 409 with the current policy);
 * a restore is a save of an old version's document. See ADR 0024.
 */

type StoredPolicy = NonNullable<Awaited<ReturnType<typeof readCurrent>>>;
export type PolicyView = OrganizationPolicyView | PolicyOverridesView;

/** Who saves: the caller's user id and the email the audit names them by. */
export interface PolicyAuthor {
  userId: string;
  email: string;
}

/** A policy naming a node template the organization does not have: 422, naming the field. */
export class PolicyTemplateNotFoundError extends DomainError {
  constructor(templateId: string) {
    super(
      'POLICY_TEMPLATE_NOT_FOUND',
      `The node template "${templateId}" does not exist in your organization. Choose one of your templates or none.`,
      422,
      { field: 'policy.infrastructure.autoscaling.nodeTemplateId' },
    );
    this.name = 'PolicyTemplateNotFoundError';
  }
}

/** 404 for an account or cluster not in the caller's organization (the same answer as their own routes). */
async function assertScope(orgId: string, scope: PolicyScope) {
  if (scope.level === 'account') await loadAccount(orgId, scope.id);
  if (scope.level === 'cluster') await loadCluster(orgId, scope.id);
}

const readCurrent = (orgId: string, scope: PolicyScope, consistent = false) =>
  getItem(policyEntity, policyKey(orgId, scope), consistent);

/** The document of a level as the contract types it (the organization's complete, with today's defaults). */
const documentOf = (scope: PolicyScope, document: Record<string, unknown> | undefined) =>
  scope.level === 'organization'
    ? policySchema.parse(document ?? {})
    : policyOverridesSchema.parse(document ?? {});

function toView(scope: PolicyScope, stored: StoredPolicy | undefined): PolicyView {
  const author = {
    version: stored?.version ?? 0,
    updatedAt: stored?.updatedAt ?? null,
    updatedBy: stored?.updatedBy ?? null,
    updatedByEmail: stored?.updatedByEmail ?? null,
  };
  if (scope.level === 'organization') {
    return { level: 'organization', policy: policySchema.parse(stored?.document ?? {}), ...author };
  }
  return {
    level: scope.level,
    scopeId: scope.id,
    policy: policyOverridesSchema.parse(stored?.document ?? {}),
    ...author,
  };
}

export async function getPolicy(orgId: string, scope: PolicyScope): Promise<PolicyView> {
  await assertScope(orgId, scope);
  return toView(scope, await readCurrent(orgId, scope));
}

const staleVersion = (scope: PolicyScope, current: StoredPolicy | undefined) =>
  new ConflictError(
    'POLICY_VERSION_STALE',
    'Someone saved this policy since you opened it. Review their changes and save again.',
    { details: { current: toView(scope, current) } },
  );

/** Transactions that lost a race with a concurrent save are tried again on what is there now. */
async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!cancellationReasons(error)?.includes('TransactionConflict') || i >= 8) throw error;
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * (i + 1)));
    }
  }
}

/**
 * Writes `document` as the next version of the scope, from `versionRead` (0: nothing saved yet), and
 * moves the pointer, in one transaction that also checks the node template it names still exists.
 */
async function writeVersion(
  orgId: string,
  scope: PolicyScope,
  document: Policy | PolicyOverrides,
  versionRead: number,
  author: PolicyAuthor,
  now: Date,
  restoredFrom: number | null,
) {
  const templateId =
    'infrastructure' in document ? (document.infrastructure?.autoscaling?.nodeTemplateId ?? null) : null;
  return withRetries(async () => {
    const before = await readCurrent(orgId, scope, true);
    if ((before?.version ?? 0) !== versionRead) throw staleVersion(scope, before);
    if (templateId && !(await getItem(nodeTemplateEntity, nodeTemplateKey(orgId, templateId)))) {
      throw new PolicyTemplateNotFoundError(templateId);
    }
    const version = versionRead + 1;
    const nowIso = now.toISOString();
    const previous = documentOf(scope, before?.document);
    const stored = {
      orgId,
      scope,
      version,
      document: document as Record<string, unknown>,
      updatedAt: nowIso,
      updatedBy: author.userId,
      updatedByEmail: author.email,
    };
    try {
      await transactWrite([
        transactPut(
          policyEntity,
          stored,
          versionRead === 0 ? where.itemNotExists() : where.eq('version', versionRead),
        ),
        transactPut(
          policyVersionEntity,
          {
            orgId,
            scope,
            version,
            document: stored.document,
            changes: diffPolicies(previous, document),
            restoredFrom,
            createdAt: nowIso,
            createdBy: author.userId,
            createdByEmail: author.email,
          },
          true,
        ),
        ...(templateId ? [transactCheck(nodeTemplateKey(orgId, templateId), where.itemExists())] : []),
      ]);
    } catch (error) {
      const failed = cancelledConditions(error);
      if (failed?.[0] || failed?.[1]) throw staleVersion(scope, await readCurrent(orgId, scope, true));
      if (failed?.[2] && templateId) throw new PolicyTemplateNotFoundError(templateId);
      throw error;
    }
    return { before: toView(scope, before), policy: toView(scope, stored) };
  });
}

const automationOf = (view: PolicyView) =>
  (view.policy as PolicyOverrides).infrastructure?.binPacking?.automationEnabled;
const templateIdOf = (view: PolicyView) =>
  (view.policy as PolicyOverrides).infrastructure?.autoscaling?.nodeTemplateId ?? null;

/**
 * A save that switched consolidation automation (at any level) re-arms the schedules of the clusters it
 * covers (ADR 0044). The policy is saved either way: a schedule that could not be written is an alarm in
 * the logs, and the scheduled task checks the effective policy again when it fires.
 */
async function afterSave(
  orgId: string,
  scope: PolicyScope,
  saved: { before: PolicyView; policy: PolicyView },
  now: Date,
) {
  if (automationOf(saved.before) !== automationOf(saved.policy)) {
    try {
      await syncConsolidationSchedules(orgId, scope, now);
    } catch (error) {
      logger.error('consolidation schedules not synced', {
        orgId,
        level: scope.level,
        ...errorFields(error),
      });
    }
  }
  // Another node template: the registry's shield counts drift against it now (ADR 0068; never fails).
  if (templateIdOf(saved.before) !== templateIdOf(saved.policy))
    await recountDriftOf(orgId, () => clusterIdsOfScope(orgId, scope), 'policy save');
}

/** Save: `policy` becomes the next version, only from the version the caller read. */
export async function savePolicy(
  orgId: string,
  scope: PolicyScope,
  body: { version: number; policy: Policy | PolicyOverrides },
  author: PolicyAuthor,
  now: Date,
) {
  await assertScope(orgId, scope);
  const karpenterBefore = await karpenterFingerprintsOf(orgId, scope);
  const saved = await writeVersion(orgId, scope, body.policy, body.version, author, now, null);
  await afterSave(orgId, scope, saved, now);
  await reconcileAfterPolicySave(orgId, scope, karpenterBefore, now); // ADR 0046; never fails the save
  return saved;
}

function toVersionView(v: Awaited<ReturnType<typeof queryAll<typeof policyVersionEntity.schema>>>[number]) {
  return {
    version: v.version,
    policy: v.document,
    changes: v.changes.map((c) => ({ path: c.path, before: c.before ?? null, after: c.after ?? null })),
    restoredFrom: v.restoredFrom,
    createdAt: v.createdAt,
    createdBy: v.createdBy,
    createdByEmail: v.createdByEmail,
  } satisfies PolicyVersionView;
}

/** The versions of a scope, newest first (the 100 newest: a policy is saved by people, not by machines). */
export async function listPolicyVersions(orgId: string, scope: PolicyScope) {
  await assertScope(orgId, scope);
  const items = await queryAll(policyVersionEntity, policyVersionsQuery(orgId, scope), {
    newestFirst: true,
    limit: 100,
  });
  return { items: items.map(toVersionView) };
}

/** Restore: a new version equal to an old one (the history stays whole), from whatever is current now. */
export async function restorePolicyVersion(
  orgId: string,
  scope: PolicyScope,
  version: number,
  author: PolicyAuthor,
  now: Date,
) {
  await assertScope(orgId, scope);
  const old = await getItem(policyVersionEntity, policyVersionKey(orgId, scope, version));
  if (!old) throw new NotFoundError(`Version ${version} of this policy`);
  const document = documentOf(scope, old.document);
  const karpenterBefore = await karpenterFingerprintsOf(orgId, scope);
  for (let i = 0; ; i++) {
    const current = await readCurrent(orgId, scope, true);
    try {
      const restored = await writeVersion(
        orgId,
        scope,
        document,
        current?.version ?? 0,
        author,
        now,
        version,
      );
      await afterSave(orgId, scope, restored, now);
      await reconcileAfterPolicySave(orgId, scope, karpenterBefore, now); // ADR 0046; never fails the restore
      return restored;
    } catch (error) {
      // Another save landed between our read and our write: restore on top of it instead.
      if (!(error instanceof ConflictError) || error.code !== 'POLICY_VERSION_STALE' || i >= 5) throw error;
    }
  }
}

export async function getEffectivePolicy(orgId: string, clusterId: string) {
  return effectivePolicyOf(orgId, await loadCluster(orgId, clusterId));
}
