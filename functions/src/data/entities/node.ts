import { nodeTaintsSchema } from '@spot/shared/policy/pod-placement';
import { z } from 'zod';
import { defineEntity } from '../entity';
import { capacityTypeSchema, clusterPk, inventoryPriceSourceSchema } from './partitions';

/** One node of a cluster's latest inventory. */
export const nodeKey = (orgId: string, clusterId: string, nodeName: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: `NODE#${nodeName}`,
});

export const nodeEntity = defineEntity(
  'Node',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    nodeName: z.string(),
    instanceId: z.string().nullable(),
    instanceType: z.string(),
    capacityType: capacityTypeSchema,
    zone: z.string(),
    nodeGroupId: z.string().nullable(),
    allocatableCpuMilli: z.number().nonnegative(),
    allocatableMemoryMiB: z.number().nonnegative(),
    allocatablePods: z.number().int().nonnegative().default(0),
    requestedCpuMilli: z.number().nonnegative().default(0),
    requestedMemoryMiB: z.number().nonnegative().default(0),
    usedCpuMilli: z.number().nonnegative().nullable().default(null),
    usedMemoryMiB: z.number().nonnegative().nullable().default(null),
    podCount: z.number().int().nonnegative().default(0),
    /**
     * Its movable pods (not DaemonSet or static) summed per namespace, for the policy preview's
     * consolidation plan; `null` on items written before it was kept.
     */
    movablePods: z
      .array(
        z.object({
          namespace: z.string(),
          /** The workload key (`namespace#kind#name`) of the pods; absent on items written before it was kept. */
          workload: z.string().optional(),
          count: z.number().int().nonnegative(),
          cpuMilli: z.number().nonnegative(),
          memoryMiB: z.number().nonnegative(),
        }),
      )
      .nullable()
      .default(null),
    /** The node's labels, for label exemptions (a node can be exempt itself). */
    labels: z.record(z.string(), z.string()).optional(),
    /**
     * Its taints (absent: written before they were kept), so a consolidation plan moves a pod only to a
     * node whose taints it tolerates (ADR 0057).
     */
    taints: nodeTaintsSchema.optional(),
    /** A movable pod on it carries `karpenter.sh/do-not-disrupt`. */
    doNotDisrupt: z.boolean().default(false),
    ready: z.boolean().default(true),
    /** Node conditions other than Ready that are True now (DiskPressure, MemoryPressure, PIDPressure). */
    pressure: z.array(z.string()).default([]),
    hourlyPriceUsd: z.number().nonnegative().nullable(),
    priceSource: inventoryPriceSourceSchema,
    launchedAt: z.string(),
  }),
  (n) => nodeKey(n.orgId, n.clusterId, n.nodeName),
);
