import { z } from 'zod';
import { defineEntity } from '../entity';
import { clusterPk } from './partitions';

/**
 * A cluster's latest workload-patch run (rightsizing and spot rules, ADR 0043), one item per cluster:
 * starting a run puts it on the condition that none is `running`, so two starts racing never both run. Its
 * steps are ClusterAction items of the same `runId`; the run ends when the last of them is closed, or
 * earlier with `reason` (maintenance mode, agent offline, an unexpected failure).
 */
export const rightsizingRunEntity = defineEntity(
  'RightsizingRun',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    accountId: z.string(),
    runId: z.string(),
    state: z.enum(['running', 'finished', 'stopped']),
    /** The email of the person who started it. */
    startedBy: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    reason: z.string().nullable(),
    executionArn: z.string().nullable(),
  }),
  (r) => rightsizingRunKey(r.orgId, r.clusterId),
);
export const rightsizingRunKey = (orgId: string, clusterId: string) => ({
  PK: clusterPk(orgId, clusterId),
  SK: 'RIGHTSIZINGRUN',
});
