import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey } from './organization';

/** The optimization policy of one cluster. */
export const policyEntity = defineEntity(
  'ClusterPolicy',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    /** Optimistic locking: a save names the version it edited. */
    version: z.number().int().positive(),
    document: z.record(z.string(), z.unknown()),
    updatedAt: z.string(),
    updatedBy: z.string(),
  }),
  (p) => policyKey(p.orgId, p.clusterId),
);
export const policyKey = orgItemKey('POLICY');
