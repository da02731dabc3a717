import { workloadSchedulingSchema } from '@spot/shared/policy/pod-placement';
import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

/** `<namespace>#<kind>#<name>`: a workload's identity in keys (Workload items and their daily rollups). */
export const workloadKeyOf = (w: { namespace: string; kind: string; name: string }) =>
  `${w.namespace}#${w.kind}#${w.name}`;

/** One day of a workload's usage, per replica. */
export const workloadDaySchema = z.object({
  cpuP50Milli: z.number().nonnegative(),
  cpuP95Milli: z.number().nonnegative(),
  cpuMaxMilli: z.number().nonnegative(),
  memoryPeakMiB: z.number().nonnegative(),
  oomKills: z.number().int().nonnegative(),
});

export const workloadEntity = defineEntity(
  'Workload',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    namespace: z.string(),
    kind: z.string(),
    name: z.string(),
    replicas: z.number().int().nonnegative(),
    /** Sum over the workload's pods, millicores / MiB. */
    requestCpuMilli: z.number().nonnegative(),
    requestMemoryMiB: z.number().nonnegative(),
    /** Sum of the declared limits; `null` when a container declares none (or before limits were kept). */
    limitCpuMilli: z.number().nonnegative().nullable().default(null),
    limitMemoryMiB: z.number().nonnegative().nullable().default(null),
    usedCpuMilli: z.number().nonnegative().nullable().default(null),
    usedMemoryMiB: z.number().nonnegative().nullable().default(null),
    /** Its pods' labels (of the first pod: a workload's pods share their template's), for label exemptions. */
    labels: z.record(z.string(), z.string()).optional(),
    /** Why the cluster's policy exempts it ("Unmanaged") at the last snapshot; `null` when managed. */
    unmanagedReason: z.string().nullable().default(null),
    /**
     * Its pods' security context folded (any pod privileged = the workload privileged), for the CIS
     * checks of the Compliance tab; `null` when the collector sent none.
     */
    security: z
      .object({
        privileged: z.boolean(),
        allowPrivilegeEscalation: z.boolean(),
        runAsRoot: z.boolean(),
        hostNetwork: z.boolean(),
        hostPID: z.boolean(),
        hostIPC: z.boolean(),
        serviceAccountName: z.string(),
        automountServiceAccountToken: z.boolean(),
      })
      .nullable()
      .default(null),
    spotReady: z.boolean(),
    /** The first failing spot-readiness rule of its pods (`null` when ready or not eligible). */
    spotReason: z.string().nullable(),
    spotEligible: z.boolean().default(true),
    /** Cost share of the workload's requests on the nodes it runs on, USD/month. */
    monthlyCostUsd: z.number().nonnegative(),
    hpaScaledResources: z.array(z.enum(['cpu', 'memory'])).default([]),
    /**
     * The PodDisruptionBudget covering its pods and its `status.disruptionsAllowed` at the last snapshot
     * (`null`: none), so a consolidation plan drains no node whose pods could not leave (issue 14).
     */
    pdb: z
      .object({ name: z.string(), disruptionsAllowed: z.number().int().nonnegative() })
      .nullable()
      .default(null),
    /**
     * The node selector, required node affinity and tolerations its pods share (the first pod's), so a
     * consolidation plan may move them across node groups where the scheduler would admit them (ADR
     * 0057); `null`: written before they were kept.
     */
    scheduling: workloadSchedulingSchema.nullable().default(null),
    /** Rightsizing per replica (the savings engine's recommendation), `null` when there is no usage yet. */
    rightsizing: z
      .object({
        recommendedCpuMilli: z.number().nonnegative(),
        recommendedMemoryMiB: z.number().nonnegative(),
        monthlySavingUsd: z.number(),
        status: z.enum(['apply', 'below-threshold', 'no-change']),
      })
      .nullable()
      .default(null),
    /**
     * Finished days (per replica) by UTC date: the current month and at least the last 14 days (what
     * rightsizing reads). Today's hourly CPU samples are kept in `today` until the day is over; then the
     * day joins `dailyUsage` and its month's WorkloadRollup item is rewritten.
     */
    dailyUsage: z.record(z.string(), workloadDaySchema).default({}),
    today: z
      .object({
        date: z.string(),
        cpuByHourMilli: z.record(z.string(), z.number()),
        cpuMaxMilli: z.number(),
        memoryPeakMiB: z.number(),
        oomByHour: z.record(z.string(), z.number()),
      })
      .nullable()
      .default(null),
  }),
  (w) => workloadKey(w.orgId, w.clusterId, w),
);

/** The key of one workload of a cluster (a GetItem by its identity). */
export function workloadKey(
  orgId: string,
  clusterId: string,
  w: { namespace: string; kind: string; name: string },
) {
  return { PK: clusterPk(orgId, clusterId), SK: `WORKLOAD#${workloadKeyOf(w)}` };
}
