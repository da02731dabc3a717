import { CloudAccessError, isDomainError, type PolicyLabelSelector } from '@spot/shared';
import {
  type FallbackGroup,
  type FallbackSwitch,
  planSpotFallback,
  spotRecoveryQuietMs,
} from '@spot/shared/policy/spot-fallback';
import { optimizerSkipEntity, optimizerSkipKey, optimizerSkipsQuery } from '../data/entities/optimizer-skip';
import { deleteItem, putItem, queryAll } from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';
import type { AutoScalingGroup, ScalingActivity } from '../ports/cloud';
import { cloudTargetOf } from './accounts-connect';
import { appendAudit } from './audit';
import { loadCluster } from './clusters';
import { maintenanceOf } from './maintenance';
import { clearSkip, recordSkipOnce } from './optimizer-skips';
import { effectivePolicyOf } from './policy-effective';

/**
 * Spot fallback for ASG-launched capacity (issue 14, item 5; ADR 0046), run on the 15-minute discovery
 * re-sync: reads the cluster's mixed-instances groups and their recent failed launches, plans with
 * `planSpotFallback` (shared, pure), checks maintenance mode again right before each switch, sets the
 * group's on-demand distribution through the cloud port and audits it as `system: optimizer`. A role
 * without the permission is skipped with the permission named (audited once). What it switched is
 * remembered per group (an OptimizerSkip item of subject `asg:<name>`) so the original distribution can
 * be put back.
 */

const subjectOf = (group: string) => `asg:${group}`;
const readSubject = 'spot-fallback';
/** Failed launches further back than this do not matter: they are past the quiet period. */
const activityWindowMs = spotRecoveryQuietMs + 15 * 60_000;

/** EC2's wording for a launch refused for lack of capacity, in an activity's status or description. */
export function isCapacityFailure(a: ScalingActivity): boolean {
  if (a.statusCode !== 'Failed') return false;
  const text = `${a.statusMessage ?? ''} ${a.description ?? ''}`;
  return /InsufficientInstanceCapacity|do not have sufficient .* capacity/i.test(text);
}

const clusterTagOf = (clusterName: string, g: AutoScalingGroup) =>
  g.tags['eks:cluster-name'] === clusterName || `kubernetes.io/cluster/${clusterName}` in g.tags;

/** Tags as the nodes' labels: the tag itself, or Cluster Autoscaler's node-template label tag. */
function matchesSelector(tags: Readonly<Record<string, string>>, selectors: readonly PolicyLabelSelector[]) {
  return selectors.some((s) =>
    [s.key, `k8s.io/cluster-autoscaler/node-template/label/${s.key}`].some(
      (key) => key in tags && (s.value === undefined || tags[key] === s.value),
    ),
  );
}

export interface SpotFallbackResult {
  switched: (FallbackSwitch & { outcome: 'updated' | 'skipped'; message?: string })[];
  skipped: { group: string; reason: string }[];
}

export async function runSpotFallback(
  orgId: string,
  clusterId: string,
  now: Date,
): Promise<SpotFallbackResult> {
  const result: SpotFallbackResult = { switched: [], skipped: [] };
  const cluster = await loadCluster(orgId, clusterId);
  const cloud = port('cloud');
  const target = { ...(await cloudTargetOf(orgId, cluster.accountId)), region: cluster.region };
  const records = new Map(
    (
      await queryAll(optimizerSkipEntity, optimizerSkipsQuery(orgId, clusterId, 'asg:'), { consistent: true })
    ).map((r) => [r.subject.slice('asg:'.length), r]),
  );
  // Mixed-instances groups of this cluster that launch some spot, or that the optimizer switched.
  const groups = (await cloud.describeAutoScalingGroups(target)).filter(
    (g) =>
      clusterTagOf(cluster.name, g) &&
      g.onDemandPercentageAboveBase !== null &&
      (g.onDemandPercentageAboveBase < 100 || records.get(g.name)?.fallback),
  );
  if (groups.length === 0) return result;

  const skip = (subject: string, reason: string, message: string) =>
    recordSkipOnce(
      orgId,
      clusterId,
      cluster.accountId,
      { subject, reason, message, action: 'cluster.spot-fallback', target: `cluster/${clusterId}` },
      now,
    );
  const since = new Date(now.getTime() - activityWindowMs);
  const candidates: FallbackGroup[] = [];
  try {
    for (const g of groups) {
      const activities = await cloud.describeScalingActivities(target, g.name, since);
      const last =
        activities
          .filter(isCapacityFailure)
          .map((a) => a.startTime)
          .sort()
          .at(-1) ?? null;
      const record = records.get(g.name);
      candidates.push({
        name: g.name,
        distribution: {
          onDemandBaseCapacity: g.onDemandBaseCapacity ?? 0,
          onDemandPercentageAboveBase: g.onDemandPercentageAboveBase ?? 100,
        },
        exempt: false,
        lastSpotCapacityFailureAt: last,
        fallback: record?.fallback ?? null,
      });
    }
  } catch (error) {
    if (error instanceof CloudAccessError && error.cloudCode === 'ACCESS_DENIED') {
      // Read-only connections (no write option) land here on every sync whether or not spot is short:
      // recorded on the cluster, not audited (nothing was about to change). A needed switch the role
      // may not make is audited below.
      await putItem(optimizerSkipEntity, {
        orgId,
        clusterId,
        subject: readSubject,
        reason: 'access-denied',
        message: error.message,
        at: now.toISOString(),
        fallback: null,
      });
      result.skipped.push({ group: '*', reason: error.message });
      return result;
    }
    throw error;
  }
  await clearSkip(orgId, clusterId, readSubject);

  const { policy } = await effectivePolicyOf(orgId, { clusterId, accountId: cluster.accountId });
  const selectors = policy.governance.excludedLabelSelectors;
  for (const c of candidates) {
    const g = groups.find((x) => x.name === c.name);
    c.exempt = g ? matchesSelector(g.tags, selectors) : false;
  }
  const maintenance = await maintenanceOf(orgId, clusterId, true);
  const plan = planSpotFallback(
    candidates,
    {
      maintenance: maintenance.enabled,
      clusterExempt: matchesSelector(cluster.tags, selectors),
      spotFallbackToOnDemand: policy.infrastructure.autoscaling.spotFallbackToOnDemand,
    },
    now,
  );
  // Groups neither skipped nor about to be switched again: an earlier skip is over.
  const skippedNow = new Set([...plan.skipped, ...plan.switches].map((s) => s.group));
  for (const c of candidates)
    if (!skippedNow.has(c.name) && records.get(c.name)?.reason)
      await clearSkip(orgId, clusterId, subjectOf(c.name));
  for (const name of plan.forget) await deleteItem(optimizerSkipKey(orgId, clusterId, subjectOf(name)));
  for (const s of plan.skipped) {
    await skip(
      subjectOf(s.group),
      s.reason.replace(/\W+/g, '-'),
      `Spot fallback of ${s.group} skipped: ${s.reason}.`,
    );
    result.skipped.push(s);
  }
  for (const s of plan.switches) {
    // Right before acting: maintenance may have been switched on since the plan was made.
    if ((await maintenanceOf(orgId, clusterId, true)).enabled) {
      await skip(
        subjectOf(s.group),
        'maintenance',
        `Spot fallback of ${s.group} skipped: the cluster is in maintenance mode.`,
      );
      result.skipped.push({ group: s.group, reason: 'the cluster is in maintenance mode' });
      continue;
    }
    const update = await cloud.updateOnDemandDistribution(target, { name: s.group, ...s.to });
    if (update.outcome === 'skipped') {
      await skip(subjectOf(s.group), update.reason, update.message);
      result.switched.push({ ...s, outcome: 'skipped', message: update.message });
      continue;
    }
    const record = records.get(s.group);
    if (s.kind === 'fall-back')
      await putItem(optimizerSkipEntity, {
        orgId,
        clusterId,
        subject: subjectOf(s.group),
        reason: null,
        message: null,
        at: now.toISOString(),
        fallback: { since: now.toISOString(), original: s.original },
      });
    else if (record) await deleteItem(optimizerSkipKey(orgId, clusterId, subjectOf(s.group)));
    await appendAudit(
      orgId,
      {
        actorType: 'system',
        actorId: null,
        actorName: 'system: optimizer',
        action: s.kind === 'fall-back' ? 'cluster.spot-fallback' : 'cluster.spot-fallback.revert',
        resourceType: 'cluster',
        target: `cluster/${clusterId}`,
        accountId: cluster.accountId,
        outcome: 'success',
        before: { autoScalingGroup: s.group, ...s.from },
        after: {
          autoScalingGroup: s.group,
          ...s.to,
          why:
            s.kind === 'fall-back'
              ? 'spot launches failed with InsufficientInstanceCapacity'
              : `no spot launch failed for ${spotRecoveryQuietMs / 60_000} minutes`,
        },
        sourceIp: null,
        userAgent: null,
        requestId: null,
      },
      now,
    );
    result.switched.push({ ...s, outcome: 'updated' });
  }
  return result;
}

/** Never fails the discovery task it runs in: a failure is logged and the next sync tries again. */
export async function runSpotFallbackQuietly(orgId: string, clusterId: string, now: Date) {
  try {
    return await runSpotFallback(orgId, clusterId, now);
  } catch (error) {
    if (!isDomainError(error)) logger.warn('spot fallback failed', { clusterId, ...errorFields(error) });
    return null;
  }
}
