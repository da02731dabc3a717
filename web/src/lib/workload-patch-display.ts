import type { RightsizingPlanResponse, SkippedWorkload, WorkloadPatchState, WorkloadRef } from '@spot/shared';
import { formatNumber, formatUsd } from './format';

/** View logic of the rightsizing and spot-rule patches (ADR 0043): words for before and after. */

export const workloadRefLabel = (w: WorkloadRef) => `${w.namespace}/${w.name} (${w.kind})`;

const ruleWords: Record<string, string> = {
  forceSpot: 'force spot',
  preferSpot: 'prefer spot',
  blockBurstableFamilies: 'block burstable families',
  enforceMultiAzSpread: 'multi-AZ spread',
};
export const spotRulesLabel = (rules: readonly string[]) =>
  rules.length === 0 ? 'none' : rules.map((r) => ruleWords[r] ?? r).join(', ');

/** "CPU 1,000 m → 250 m", one line per figure that changed (per replica). */
export function resourceChanges(before: WorkloadPatchState, after: WorkloadPatchState): string[] {
  const out: string[] = [];
  const line = (what: string, unit: string, from: number | null, to: number | null) => {
    if (from === to || to === null) return;
    out.push(
      `${what} ${from === null ? 'none' : `${formatNumber(from)} ${unit}`} → ${formatNumber(to)} ${unit}`,
    );
  };
  line('CPU request', 'm', before.requests.cpuMilli, after.requests.cpuMilli);
  line('Memory request', 'MiB', before.requests.memoryMiB, after.requests.memoryMiB);
  line('CPU limit', 'm', before.limits.cpuMilli, after.limits.cpuMilli);
  line('Memory limit', 'MiB', before.limits.memoryMiB, after.limits.memoryMiB);
  return out;
}

/** The scheduling fields a patch adds, by name ("nodeSelector, affinity"), or `null` when none change. */
export function schedulingChange(before: WorkloadPatchState, after: WorkloadPatchState): string | null {
  if (after.scheduling === null || JSON.stringify(after.scheduling) === JSON.stringify(before.scheduling))
    return null;
  return Object.keys(after.scheduling).join(', ');
}

const skipWords: Record<SkippedWorkload['reason'], string> = {
  exempt: 'Exempt',
  'unsupported-kind': 'Not a Deployment or StatefulSet',
  'hpa-scaled': 'HPA scales it',
  'rolled-out-recently': 'Rolled out recently',
  'below-threshold': 'Below the severity threshold',
  'no-recommendation': 'No usage yet',
  'mode-not-automatic': 'Rightsizing not automatic',
};
export const skipReasonLabel = (reason: SkippedWorkload['reason']) => skipWords[reason];

/** The plan in one sentence. */
export function rightsizingSummary(plan: RightsizingPlanResponse): string {
  const n = plan.patches.length;
  if (n === 0) return 'Nothing to patch now: every workload is sized, exempt or rolled out recently.';
  const resized = plan.patches.filter((p) => p.resizes).length;
  const parts: string[] = [];
  if (resized > 0)
    parts.push(`resizes ${formatNumber(resized)} for ${formatUsd(plan.monthlySavingUsd)} per month`);
  if (n > resized) parts.push(`applies only the spot rules to ${formatNumber(n - resized)}`);
  return `Patches ${formatNumber(n)} workload${n === 1 ? '' : 's'} (one rollout each): ${parts.join(' and ')}.`;
}
