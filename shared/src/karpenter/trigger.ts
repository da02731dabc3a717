import { canonicalJson } from '../model/canonical-json';
import type { Policy } from '../model/policy';

/**
 * What of an effective policy shapes Spot Optimizer's Karpenter objects (ADR 0042's renderer): the
 * Intelligent Autoscaling card (on/off, template, strategy, spot fallback, hence the capacity types) and
 * the consolidation fields of the bin-packing card. A policy save that leaves this unchanged for a
 * cluster does not trigger a reconcile of that cluster (ADR 0046).
 */
export function karpenterPolicyFingerprint(policy: Policy): string {
  const { autoscaling, binPacking } = policy.infrastructure;
  return canonicalJson({
    autoscaling,
    consolidation: {
      method: binPacking.method,
      stabilizationWindowMinutes: binPacking.stabilizationWindowMinutes,
      maxNodesInFlight: binPacking.maxNodesInFlight,
    },
  });
}
