import {
  defaultPolicy,
  type EffectivePolicyResponse,
  type Policy,
  type PolicyOverrides,
  policyOverridesSchema,
  policySchema,
  savings,
} from '@spot/shared';
import { mergePolicy, policySources } from '@spot/shared/policy/merge';
import type { SummaryPolicy } from '@spot/shared/savings/cluster-summary/index';
import { policyEntity, policyKey } from '../data/entities/cluster-policy';
import { getItem } from '../data/repository';

/**
 * The effective policy of a cluster, kept apart from the policy routes' module so discovery and
 * ingestion read it without loading the account and workflow code those routes need.
 */

/** The three levels of a cluster, as stored (`undefined` where a level has saved nothing). */
async function layersOf(orgId: string, cluster: { clusterId: string; accountId: string }) {
  const [organization, account, own] = await Promise.all([
    getItem(policyEntity, policyKey(orgId, { level: 'organization' })),
    getItem(policyEntity, policyKey(orgId, { level: 'account', id: cluster.accountId })),
    getItem(policyEntity, policyKey(orgId, { level: 'cluster', id: cluster.clusterId })),
  ]);
  return { organization, account, cluster: own };
}

/**
 * The effective policy of a cluster (organization default ⊕ account ⊕ cluster) and which level set each
 * field. `draft` replaces the cluster's own overrides (the preview of an unsaved edit).
 */
export async function effectivePolicyOf(
  orgId: string,
  cluster: { clusterId: string; accountId: string },
  draft?: PolicyOverrides,
): Promise<EffectivePolicyResponse> {
  const layers = await layersOf(orgId, cluster);
  const org = policySchema.parse(layers.organization?.document ?? {});
  const account = policyOverridesSchema.parse(layers.account?.document ?? {});
  const own = draft ?? policyOverridesSchema.parse(layers.cluster?.document ?? {});
  return {
    clusterId: cluster.clusterId,
    accountId: cluster.accountId,
    policy: mergePolicy(org ?? defaultPolicy, account, own),
    sources: policySources({
      ...(layers.organization ? { organization: org } : {}),
      account,
      cluster: own,
    }),
    versions: {
      organization: layers.organization?.version ?? 0,
      account: layers.account?.version ?? 0,
      cluster: layers.cluster?.version ?? 0,
    },
  };
}

/** What the dashboard's summary reads of the effective policy: its exemptions and rightsizing settings. */
export async function summaryPolicyOf(
  orgId: string,
  cluster: { clusterId: string; accountId: string },
): Promise<SummaryPolicy> {
  const { policy } = await effectivePolicyOf(orgId, cluster);
  return summaryPolicyFrom(policy);
}

/** The summary's part of an effective policy already read. */
export function summaryPolicyFrom(policy: Policy): SummaryPolicy {
  return {
    exemptions: {
      namespaces: policy.governance.excludedNamespaces,
      labels: policy.governance.excludedLabelSelectors,
    },
    rightsizing: savings.rightsizingPolicySchema.parse({
      headroomPercent: policy.workload.rightsizing.safetyBufferPct,
      severityThresholdMonthlyUsd: policy.workload.rightsizing.severityThresholdUsdPerMonth,
    }),
  };
}
