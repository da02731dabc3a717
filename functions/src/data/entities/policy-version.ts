import { z } from 'zod';
import { defineEntity } from '../entity';
import { type PolicyScope, policyScopeKey, policyScopeSchema } from './cluster-policy';
import { orgPk } from './organization';

/**
 * One saved version of a scope's policy, never changed after it is written. A partition per scope
 * (`ORG#<orgId>#POLICY#<scope>`) with the version zero-padded in the sort key, so the history of one scope
 * is one query, newest first, and it never mixes with the organization's other items.
 */
export const policyVersionEntity = defineEntity(
  'PolicyVersion',
  z.object({
    orgId: z.string(),
    scope: policyScopeSchema,
    version: z.number().int().positive(),
    document: z.record(z.string(), z.unknown()),
    /** Leaf changes against the previous version (`shared/src/policy/merge.ts`, `diffPolicies`). */
    changes: z.array(z.object({ path: z.string(), before: z.unknown(), after: z.unknown() })),
    restoredFrom: z.number().int().positive().nullable(),
    createdAt: z.string(),
    createdBy: z.string(),
    createdByEmail: z.string(),
  }),
  (v) => policyVersionKey(v.orgId, v.scope, v.version),
);

const versionPk = (orgId: string, scope: PolicyScope) => `${orgPk(orgId)}#POLICY#${policyScopeKey(scope)}`;
/** Ten digits keep the string order of the sort key the numeric order of the versions. */
const versionSk = (version: number) => `V#${String(version).padStart(10, '0')}`;

export const policyVersionKey = (orgId: string, scope: PolicyScope, version: number) => ({
  PK: versionPk(orgId, scope),
  SK: versionSk(version),
});
export const policyVersionsQuery = (orgId: string, scope: PolicyScope) => ({
  pk: versionPk(orgId, scope),
  skPrefix: 'V#',
});
