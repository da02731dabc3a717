import { z } from 'zod';
import { agentPermissionReportSchema } from './cluster-onboarding';
import { clusterSnapshotSchema } from './cluster-snapshot';

/**
 * What an in-cluster agent (or a sandbox cluster) sends to `POST /api/ingest/snapshots`: a heartbeat
 * (`kind: "heartbeat"`, every 30 s by default) or a snapshot (`kind: "snapshot"`, every 5 minutes). Both
 * are one envelope so one route, one token and one rate limit serve them; a snapshot counts as a heartbeat.
 */
const agentVersion = z.string().min(1).max(64);
/** Optional: an agent may name its cluster id; a mismatch with its token's cluster is refused (403). */
const clusterId = z.string().min(1).max(100).optional();
/** The agent's SelfSubjectAccessReviews of its own permissions (ADR 0070); agents before 0.1.0 send none. */
const permissions = agentPermissionReportSchema.optional();

export const ingestBodySchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('heartbeat'),
    agentVersion,
    clusterId,
    sentAt: z.string().optional(),
    permissions,
  }),
  z.object({
    kind: z.literal('snapshot'),
    agentVersion,
    clusterId,
    permissions,
    snapshot: clusterSnapshotSchema.refine((s) => s.source !== 'agentless', {
      message: 'Only agents and sandbox clusters push snapshots (source "agent" or "sandbox").',
      path: ['source'],
    }),
  }),
]);
export type IngestBody = z.infer<typeof ingestBodySchema>;

/** 200 for a heartbeat, 202 for a snapshot (applied, with the cluster's new figures; run rate USD/month). */
export const ingestResponseSchema = z.discriminatedUnion('accepted', [
  z.object({
    accepted: z.literal('heartbeat'),
    clusterId: z.string(),
    serverTime: z.string(),
    /**
     * Someone pressed Sync Now on the cluster's page since the agent's last snapshot (ADR 0076): the agent
     * pushes one now instead of at its period's end. Absent from older servers' answers: no request.
     */
    snapshotRequested: z.boolean().optional(),
  }),
  z.object({
    accepted: z.literal('snapshot'),
    clusterId: z.string(),
    nodeCount: z.number().int().nonnegative(),
    podCount: z.number().int().nonnegative(),
    monthlyRunRateUsd: z.number().nonnegative(),
  }),
]);
export type IngestResponse = z.infer<typeof ingestResponseSchema>;
