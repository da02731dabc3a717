import { agentCanAct, isDomainError } from '@spot/shared';
import { karpenterPolicyFingerprint } from '@spot/shared/karpenter/trigger';
import { agentChannelEntity, agentChannelKey } from '../data/entities/agent-channel';
import { clusterEntity, clustersOfAccountQuery, clustersOfOrgQuery } from '../data/entities/cluster';
import type { PolicyScope } from '../data/entities/cluster-policy';
import { karpenterStateEntity, karpenterStateKey } from '../data/entities/karpenter-state';
import { nodeTemplateDefaultEntity, nodeTemplateDefaultKey } from '../data/entities/node-template-default';
import { getItem, queryAll } from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { AgentUnavailableError } from './agent-commands';
import { loadCluster } from './clusters';
import { reconcileKarpenter } from './karpenter';
import { MaintenanceModeError, maintenanceOf } from './maintenance';
import { clearSkip, recordSkipOnce } from './optimizer-skips';
import { effectivePolicyOf } from './policy-effective';

/**
 * The automatic Karpenter reconcile (ADR 0046): after a policy save that changes what a cluster's
 * Karpenter objects are rendered from, and on the 15-minute discovery re-sync (which catches drift and
 * template edits). Guards first, cheapest first: a cluster with nothing of ours to keep in shape is left
 * alone without reading anything more; maintenance mode and an agent that is not in write mode skip it
 * with an audited reason, once; the reconcile's own checks (maintenance again right before, the live
 * objects readable) still apply. Repeats enqueue nothing: command ids come from the content.
 */
export type KarpenterTriggerOutcome =
  | { outcome: 'reconciled'; commands: number }
  | { outcome: 'nothing-to-do' }
  | { outcome: 'skipped'; reason: string; message: string };

const subject = 'karpenter';

export async function autoReconcileKarpenter(
  orgId: string,
  clusterId: string,
  now: Date,
): Promise<KarpenterTriggerOutcome> {
  const cluster = await loadCluster(orgId, clusterId);
  const [{ policy }, stored] = await Promise.all([
    effectivePolicyOf(orgId, { clusterId, accountId: cluster.accountId }),
    getItem(karpenterStateEntity, karpenterStateKey(orgId, clusterId)),
  ]);
  const autoscaling = policy.infrastructure.autoscaling;
  const templateId =
    autoscaling.enabled && autoscaling.nodeTemplateId === null
      ? ((await getItem(nodeTemplateDefaultEntity, nodeTemplateDefaultKey(orgId)))?.templateId ?? null)
      : autoscaling.nodeTemplateId;
  // Nothing to apply, and nothing of ours was ever applied (hence nothing to remove): no reads, no audit.
  if (!(autoscaling.enabled && templateId !== null) && !stored) return { outcome: 'nothing-to-do' };

  const skip = async (reason: string, message: string): Promise<KarpenterTriggerOutcome> => {
    await recordSkipOnce(
      orgId,
      clusterId,
      cluster.accountId,
      { subject, reason, message, action: 'cluster.karpenter.reconcile', target: `cluster/${clusterId}` },
      now,
    );
    return { outcome: 'skipped', reason, message };
  };
  const maintenance = await maintenanceOf(orgId, clusterId, true);
  if (maintenance.enabled)
    return skip('maintenance', 'The cluster is in maintenance mode: Karpenter objects were not reconciled.');
  const channel = await getItem(agentChannelEntity, agentChannelKey(orgId, clusterId), true);
  if (!agentCanAct(channel?.lastPollAt ?? null, now))
    return skip(
      'agent-not-in-write-mode',
      new AgentUnavailableError(clusterId, channel?.lastPollAt ?? null).message,
    );
  try {
    const before = stored?.reconciledAt ?? null;
    const state = await reconcileKarpenter(orgId, clusterId, now);
    await clearSkip(orgId, clusterId, subject);
    const sent =
      state.lastReconcile && state.lastReconcile.at !== before ? state.lastReconcile.commands.length : 0;
    return { outcome: 'reconciled', commands: sent };
  } catch (error) {
    if (error instanceof MaintenanceModeError) return skip('maintenance', error.message);
    if (error instanceof AgentUnavailableError) return skip('agent-not-in-write-mode', error.message);
    if (isDomainError(error)) return skip(error.code.toLowerCase(), error.message);
    throw error;
  }
}

/** Never fails its caller (a policy save, a discovery task): a failure is logged and the next sync retries. */
export async function autoReconcileKarpenterQuietly(orgId: string, clusterId: string, now: Date) {
  try {
    return await autoReconcileKarpenter(orgId, clusterId, now);
  } catch (error) {
    logger.warn('karpenter: automatic reconcile failed', { clusterId, ...errorFields(error) });
    return null;
  }
}

/** The clusters a policy scope reaches, with the fingerprint of what their Karpenter objects are made of. */
export async function karpenterFingerprintsOf(
  orgId: string,
  scope: PolicyScope,
): Promise<Map<string, string>> {
  const clusters =
    scope.level === 'cluster'
      ? await loadCluster(orgId, scope.id).then(
          (c) => [c],
          () => [],
        )
      : scope.level === 'account'
        ? await queryAll(clusterEntity, clustersOfAccountQuery(orgId, scope.id))
        : await queryAll(clusterEntity, clustersOfOrgQuery(orgId));
  const out = new Map<string, string>();
  await Promise.all(
    clusters.map(async (c) => {
      const { policy } = await effectivePolicyOf(orgId, { clusterId: c.clusterId, accountId: c.accountId });
      out.set(c.clusterId, karpenterPolicyFingerprint(policy));
    }),
  );
  return out;
}

/**
 * Reconciles, one after another so an organization-wide save does not flood the Kubernetes API, each
 * cluster whose fingerprint in `after()` differs from `before`; never fails the save that called it.
 * A save waits at most `budgetMs` for them: a cluster whose API answers slowly (or not) must not hold
 * the person's save (a browser test's template save hung on one). The clusters not reached in time are
 * reconciled by their next discovery sync, which reconciles every cluster anyway (ADR 0046).
 */
export async function reconcileWhereChanged(
  orgId: string,
  before: ReadonlyMap<string, string>,
  after: () => Promise<ReadonlyMap<string, string>>,
  now: Date,
  what: string,
  budgetMs = 5_000,
): Promise<string[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), budgetMs);
  });
  try {
    const changed = [...(await after())].filter(([id, fp]) => before.get(id) !== fp).map(([id]) => id);
    const done: string[] = [];
    for (const clusterId of changed) {
      if ((await Promise.race([autoReconcileKarpenterQuietly(orgId, clusterId, now), late])) === 'late') {
        logger.info(`karpenter: reconcile after ${what} left to the next sync`, {
          clusters: changed.length - done.length,
        });
        break;
      }
      done.push(clusterId);
    }
    return done;
  } catch (error) {
    logger.warn(`karpenter: reconcile after ${what} failed`, errorFields(error));
    return [];
  } finally {
    clearTimeout(timer);
  }
}

/**
 * After a policy save: reconciles each cluster of the scope whose fingerprint changed (on/off, template,
 * strategy, fallback, consolidation); a save that changed none of that reconciles nothing.
 */
export const reconcileAfterPolicySave = (
  orgId: string,
  scope: PolicyScope,
  before: ReadonlyMap<string, string>,
  now: Date,
): Promise<string[]> =>
  reconcileWhereChanged(orgId, before, () => karpenterFingerprintsOf(orgId, scope), now, 'policy save');
