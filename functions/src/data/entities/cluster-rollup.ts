import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk, expiresFrom } from './partitions';

export const clusterRollupEntity = defineEntity(
  'ClusterRollup',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    /** Start of the hour, ISO 8601 UTC. */
    hour: z.string(),
    capacityCpuMilli: z.number(),
    requestedCpuMilli: z.number(),
    usedCpuMilli: z.number(),
    capacityMemoryMiB: z.number(),
    requestedMemoryMiB: z.number(),
    usedMemoryMiB: z.number(),
    /** False when the source had no usage metrics for the hour (used* are then 0 and not a measurement). */
    usageKnown: z.boolean().default(true),
    nodesByCapacityType: z.record(z.string(), z.number()),
    nodesByFamily: z.record(z.string(), z.number()),
    hourlyCostUsd: z.number(),
    podChurn: z.number().default(0),
    /** Mean API server requests per second. */
    apiRequestRate: z.number().default(0),
    apiLatencyP99Ms: z.number().nullable().default(null),
    pressureEvents: z.number().int().nonnegative().default(0),
    spotInterruptions: z.number().int().nonnegative().default(0),
    oomKills: z.number().int().nonnegative().default(0),
    source: z.enum(['snapshot', 'history']).default('snapshot'),
    /** Pods in the hour's latest snapshot; null on back-filled hours and rollups written before it. */
    podCount: z.number().nullable().optional(),
  }),
  (r) => clusterRollupKey(r.orgId, r.clusterId, r.hour),
  (r) => expiresFrom(r.hour),
);
export const clusterRollupKey = (orgId: string, clusterId: string, hour: string) => ({
  PK: `${clusterPk(orgId, clusterId)}#ROLLUP`,
  SK: `HOUR#${hour}`,
});
export const clusterRollupsQuery = (orgId: string, clusterId: string, fromHourIso: string) => ({
  pk: `${clusterPk(orgId, clusterId)}#ROLLUP`,
  skFrom: `HOUR#${fromHourIso}`,
});
