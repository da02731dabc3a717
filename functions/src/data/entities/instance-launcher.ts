import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

/** CloudTrail delivers a management event within about 15 minutes: a miss is asked again after this. */
export const launcherNotFoundRetryMs = 60 * 60_000;
/** Kept this long after the lookup (the TTL cleans up after terminated instances; asked again after). */
const launcherFoundKeepS = 365 * 86_400;

/**
 * Who launched one instance of a cluster, as CloudTrail's `RunInstances` event told the drift tab (ADR 0078):
 * the launcher of an instance id never changes, so a found answer is kept and the tab does not ask
 * CloudTrail again. A miss (`not-found`: older than CloudTrail's 90 days, or not delivered yet) is kept for
 * {@link launcherNotFoundRetryMs}. Answers that depend on the role or the moment (`cloudtrail:LookupEvents`
 * not allowed, throttled) are never stored: the next read asks again.
 */
export const instanceLauncherEntity = defineEntity(
  'InstanceLauncher',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    instanceId: z.string(),
    outcome: z.enum(['found', 'not-found']),
    /** The event's caller ARN as CloudTrail has it (masked when answered). `null` when not found. */
    principal: z.string().nullable(),
    eventTime: z.string().nullable(),
    checkedAt: z.string(),
  }),
  (l) => instanceLauncherKey(l.orgId, l.clusterId, l.instanceId),
  (l) =>
    Math.floor(Date.parse(l.checkedAt) / 1000) +
    (l.outcome === 'found' ? launcherFoundKeepS : Math.ceil(launcherNotFoundRetryMs / 1000)),
);

export const instanceLauncherKey = (orgId: string, clusterId: string, instanceId: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: `LAUNCHER#${instanceId}`,
});

type InstanceLauncher = z.infer<typeof instanceLauncherEntity.schema>;

/** Whether a stored answer still stands at `now` (the TTL deletes expired items only eventually). */
export const launcherFresh = (l: InstanceLauncher, now: Date): boolean =>
  l.outcome === 'found' || now.getTime() - Date.parse(l.checkedAt) < launcherNotFoundRetryMs;
