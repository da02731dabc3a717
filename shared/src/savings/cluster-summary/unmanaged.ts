import { type ExemptionPolicy, exemptionReasonOf, matchesExemptLabel } from '../cluster';
import { toMonthlyUsd } from '../cost';
import type { SnapshotModel } from '../snapshot-model';

/**
 * The cluster's "Unmanaged" share under the policy's exemptions: the workloads exempt by namespace or
 * label (with why) and the nodes exempt by label. Their cost stays in the run rate; every savings section
 * leaves them out (spot readiness marks them `exempt`, rightsizing skips them, bin packing keeps their
 * nodes), so the dashboard shows 0 potential savings for them.
 */
export function unmanagedOf(model: SnapshotModel, exemptions: ExemptionPolicy) {
  const reasons = new Map<string, string>();
  let hourlyCostUsd = 0;
  for (const w of model.workloads) {
    const reason = exemptionReasonOf(
      w.namespace,
      w.pods.map((p) => p.labels),
      exemptions,
    );
    if (reason === null) continue;
    reasons.set(w.key, reason);
    hourlyCostUsd += w.hourlyCostUsd;
  }
  return {
    reasons,
    section: {
      workloadCount: reasons.size,
      nodeCount: model.nodes.filter((n) => matchesExemptLabel(n.labels, exemptions)).length,
      monthlyCostUsd: toMonthlyUsd(hourlyCostUsd),
    },
  };
}
