import type {
  AgentCommandOutcome,
  AgentCommandView,
  ClusterActionView,
  ConsolidationPlanResponse,
  PlanStep,
} from '@spot/shared';
import { formatNumber, formatUsd } from './format';

/** View logic of the cluster page's Activity section: words for what the optimizer did or would do. */

/** `shop#Deployment#web` → `shop/web (Deployment)`; a bare namespace stays as it is. */
export function workloadLabel(key: string): string {
  const [namespace, kind, ...name] = key.split('#');
  return kind && name.length > 0 ? `${namespace}/${name.join('#')} (${kind})` : key;
}

const groupKinds: Record<PlanStep['nodeGroupKind'], string> = {
  asg: 'Auto Scaling group',
  'managed-node-group': 'managed node group',
  'karpenter-nodepool': 'Karpenter NodePool',
};

/** How the node goes once drained, in words. */
export function terminationLabel(
  step: Pick<PlanStep, 'termination' | 'autoScalingGroupName' | 'nodeGroupKind'>,
) {
  return step.termination === 'karpenter-delete-node'
    ? 'Karpenter removes it'
    : `terminated in ${step.autoScalingGroupName ?? 'its Auto Scaling group'} (${groupKinds[step.nodeGroupKind]}), desired capacity −1`;
}

/** "3 pods of shop/web (Deployment) → node-b" per workload. */
export function podMovesLabel(step: Pick<PlanStep, 'pods'>): string[] {
  return step.pods.map(
    (p) =>
      `${formatNumber(p.count)} pod${p.count === 1 ? '' : 's'} of ${workloadLabel(p.workload)} → ${p.toNodes.join(', ')}`,
  );
}

const blockerWords: Record<string, string> = {
  'node-exempt': 'the node matches an excluded label',
  'pod-exempt': 'it runs a pod of an excluded namespace or label',
  'node-do-not-disrupt': 'the node is marked karpenter.sh/do-not-disrupt',
  'pod-do-not-disrupt': 'a pod on it is marked karpenter.sh/do-not-disrupt',
  'pod-pdb-blocked': 'a PodDisruptionBudget allows no eviction',
  stabilizing: 'launched or acted on within the stabilization window',
};

/** Why a node the planner would not touch stays, in words. */
export const heldReason = (reasons: readonly string[]): string =>
  reasons
    .filter((r) => r in blockerWords)
    .map((r) => blockerWords[r])
    .join('; ') || 'protected by the policy';

/** The plan in one sentence. */
export function planSummary(plan: ConsolidationPlanResponse): string {
  if (plan.steps.length === 0) return 'Nothing to remove now: every node is needed or protected.';
  const nodes = plan.steps.length;
  const waves = plan.waves;
  return `Removes ${formatNumber(nodes)} node${nodes === 1 ? '' : 's'} in ${formatNumber(waves)} wave${waves === 1 ? '' : 's'} (at most ${formatNumber(plan.policy.maxNodesInFlight)} at a time), moving ${formatNumber(plan.podsEvicted)} pod${plan.podsEvicted === 1 ? '' : 's'}, and saves ${formatUsd(plan.monthlySavingUsd)} per month.`;
}

const stateWords: Record<ClusterActionView['state'], string> = {
  pending: 'Waiting',
  draining: 'Draining',
  terminating: 'Terminating',
  done: 'Done',
  failed: 'Failed',
  skipped: 'Skipped',
  patching: 'Patching',
  watching: 'Watching the rollout',
  'rolling-back': 'Rolling back',
  'rolled-back': 'Rolled back',
};
export const actionStateLabel = (state: ClusterActionView['state']) => stateWords[state];
const kindWords: Record<ClusterActionView['kind'], string> = {
  'remove-node': 'Remove node',
  'replace-node': 'Replace node',
  'rightsize-workload': 'Rightsize workload',
  'spot-rules-workload': 'Apply spot rules',
  'group-minimum-drift': 'Minimum set back outside the product',
};
export const actionKindLabel = (kind: ClusterActionView['kind']) => kindWords[kind];

/** An agent upgrade's state in words: queued until the agent fetches it, then its answer. */
export function agentUpgradeState(c: Pick<AgentCommandView, 'status' | 'outcome'>): string {
  if (c.status === 'pending') return 'Queued: the agent has not fetched it yet';
  if (c.status === 'leased') return 'Fetched by the agent, no answer yet';
  const answers: Record<AgentCommandOutcome, string> = {
    succeeded: 'Done',
    refused: 'Refused by the agent',
    failed: 'Failed on the agent',
    wait: 'Waiting on the agent',
  };
  return c.outcome ? answers[c.outcome] : 'Done';
}

/**
 * The agent's answer split into its words and the command it asks a person to run (after `run: `), so the
 * command shows as code to copy.
 */
export function agentUpgradeAnswer(reason: string | null): { text: string; command: string | null } {
  if (reason === null) return { text: '', command: null };
  const at = reason.indexOf('run: ');
  if (at < 0) return { text: reason, command: null };
  return { text: reason.slice(0, at + 4), command: reason.slice(at + 5).trim() };
}
