import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';
import { workloadKeyOf } from './workload';

/**
 * The optimizer's latest rollout of one workload (ADR 0043): when it patched it, and the scheduling
 * fields it wrote. Its own item beside the Workload item (which every snapshot rewrites), put on the
 * condition that the previous rollout is older than the window, so two runs never roll a workload out
 * twice in it. Sorts under `WORKLOADROLLOUT#`, outside the `WORKLOAD#` prefix the inventory queries read.
 */
export const workloadRolloutEntity = defineEntity(
  'WorkloadRollout',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    namespace: z.string(),
    kind: z.string(),
    name: z.string(),
    /** Epoch ms of the patch (the window's condition compares numbers). */
    rolledOutAtMs: z.number(),
    rolledOutAt: z.string(),
    actionId: z.string(),
    /** The scheduling fields the optimizer's patches wrote, merged (`null`: none). */
    scheduling: z.record(z.string(), z.unknown()).nullable(),
  }),
  (r) => workloadRolloutKey(r.orgId, r.clusterId, r),
);
export const workloadRolloutKey = (
  orgId: string,
  clusterId: string,
  w: { namespace: string; kind: string; name: string },
) => ({ PK: clusterPk(orgId, clusterId), SK: `WORKLOADROLLOUT#${workloadKeyOf(w)}` });
export const workloadRolloutsQuery = (orgId: string, clusterId: string) => ({
  pk: clusterPk(orgId, clusterId),
  skPrefix: 'WORKLOADROLLOUT#',
});
