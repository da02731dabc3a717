import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemsQuery, orgPk } from './organization';

/**
 * The current optimization policy of one scope: the organization's default (`POLICY#ORG`), an account's
 * overrides (`POLICY#ACCOUNT#<accountId>`) or a cluster's (`POLICY#CLUSTER#<clusterId>`). It is the pointer
 * every save moves, in the same transaction that writes the immutable version (`policy-version.ts`) and
 * conditioned on the version the caller read. `document` holds the shared contract's Policy (organization)
 * or PolicyOverrides (account, cluster), parsed on the way out by the domain.
 */
export const policyScopeSchema = z.discriminatedUnion('level', [
  z.object({ level: z.literal('organization') }),
  z.object({ level: z.literal('account'), id: z.string().min(1) }),
  z.object({ level: z.literal('cluster'), id: z.string().min(1) }),
]);
export type PolicyScope = z.infer<typeof policyScopeSchema>;

/** The scope's part of keys: `ORG`, `ACCOUNT#<id>`, `CLUSTER#<id>`. */
export const policyScopeKey = (scope: PolicyScope) =>
  scope.level === 'organization' ? 'ORG' : `${scope.level === 'account' ? 'ACCOUNT' : 'CLUSTER'}#${scope.id}`;

export const policyEntity = defineEntity(
  'Policy',
  z.object({
    orgId: z.string(),
    scope: policyScopeSchema,
    /** Optimistic locking: a save names the version it read; the pointer moves only from that one. */
    version: z.number().int().positive(),
    document: z.record(z.string(), z.unknown()),
    updatedAt: z.string(),
    /** The user id, and the email the audit record names them by. */
    updatedBy: z.string(),
    updatedByEmail: z.string(),
  }),
  (p) => policyKey(p.orgId, p.scope),
);
export const policyKey = (orgId: string, scope: PolicyScope) => ({
  PK: orgPk(orgId),
  SK: `POLICY#${policyScopeKey(scope)}`,
});
/** Every current policy of the organization, all scopes (the node-template in-use check reads them). */
export const policiesOfOrgQuery = orgItemsQuery('POLICY');
