import type { Policy } from '../model/policy';

/**
 * The exact Kubernetes fields each spot and deployment rule adds to a managed workload's pod template,
 * so the policy page shows what the optimizer will write before anyone saves. Karpenter's well-known
 * labels: `karpenter.sh/capacity-type`, `karpenter.k8s.aws/instance-category`, `topology.kubernetes.io/zone`.
 */

export type SpotRule = keyof Policy['workload']['spotRules'];

export interface SpotRuleFields {
  rule: SpotRule;
  /** The pod template fields the rule adds, as they appear under `spec.template.spec`. */
  podSpec: Record<string, unknown>;
}

const capacityTypeKey = 'karpenter.sh/capacity-type';
// Burstable families are the t category (t3, t3a, t4g ...), which Karpenter labels as instance-category t.
const instanceCategoryKey = 'karpenter.k8s.aws/instance-category';
const zoneKey = 'topology.kubernetes.io/zone';

export function spotRuleFields(rule: SpotRule, workloadLabel = 'app: <workload>'): SpotRuleFields {
  const [labelKey, labelValue] = workloadLabel.split(': ');
  switch (rule) {
    case 'forceSpot':
      return {
        rule,
        podSpec: {
          nodeSelector: { [capacityTypeKey]: 'spot' },
        },
      };
    case 'preferSpot':
      return {
        rule,
        podSpec: {
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  preference: {
                    matchExpressions: [{ key: capacityTypeKey, operator: 'In', values: ['spot'] }],
                  },
                },
              ],
            },
          },
        },
      };
    case 'blockBurstableFamilies':
      return {
        rule,
        podSpec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: instanceCategoryKey, operator: 'NotIn', values: ['t'] }] },
                ],
              },
            },
          },
        },
      };
    case 'enforceMultiAzSpread':
      return {
        rule,
        podSpec: {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: zoneKey,
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: { [labelKey ?? 'app']: labelValue ?? '<workload>' } },
            },
          ],
        },
      };
  }
}

/** The fields of every rule the policy turns on, in the page's order. */
export const activeSpotRuleFields = (spotRules: Policy['workload']['spotRules']): SpotRuleFields[] =>
  (['forceSpot', 'preferSpot', 'blockBurstableFamilies', 'enforceMultiAzSpread'] as const)
    .filter((r) => spotRules[r])
    .map((r) => spotRuleFields(r));
