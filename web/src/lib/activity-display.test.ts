import type { ConsolidationPlanResponse } from '@spot/shared';
import { describe, expect, it } from 'vitest';
import {
  agentUpgradeAnswer,
  agentUpgradeState,
  heldReason,
  planSummary,
  podMovesLabel,
  terminationLabel,
  workloadLabel,
} from './activity-display';

const plan = (steps: number, waves: number): ConsolidationPlanResponse => ({
  clusterId: 'eks-1',
  dryRun: true,
  snapshotAt: null,
  policy: {
    aggressiveness: 'balanced',
    method: 'replace-and-move',
    stabilizationWindowMinutes: 10,
    maxNodesInFlight: 1,
  },
  steps: Array.from({ length: steps }, (_, i) => ({
    node: `n${i}`,
    wave: i,
    kind: 'delete' as const,
    instanceId: `i-${i}`,
    instanceType: 'm5.large',
    nodeGroupId: 'asg-web',
    nodeGroupKind: 'asg' as const,
    termination: 'asg-terminate-decrement' as const,
    autoScalingGroupName: 'web-asg',
    pods: [],
    hourlySavingUsd: 0.096,
    monthlySavingUsd: 70.08,
  })),
  skipped: [],
  held: [],
  replacements: [],
  waves,
  podsEvicted: 3,
  hourlySavingUsd: 0.096 * steps,
  monthlySavingUsd: 70.08 * steps,
  plannedMonthlySavingUsd: 70.08 * steps,
  heldByMinimums: [],
  minimumChanges: [],
  minimumDrift: [],
  notes: [],
});

describe('activity display', () => {
  it('names workloads by namespace, name and kind', () => {
    expect(workloadLabel('shop#Deployment#web')).toBe('shop/web (Deployment)');
    expect(workloadLabel('batch')).toBe('batch');
  });

  it('says how a node goes and which pods move where', () => {
    expect(
      terminationLabel({
        termination: 'asg-terminate-decrement',
        autoScalingGroupName: 'web-asg',
        nodeGroupKind: 'asg',
      }),
    ).toBe('terminated in web-asg (Auto Scaling group), desired capacity −1');
    expect(
      terminationLabel({
        termination: 'karpenter-delete-node',
        autoScalingGroupName: null,
        nodeGroupKind: 'karpenter-nodepool',
      }),
    ).toBe('Karpenter removes it');
    expect(
      podMovesLabel({
        pods: [{ namespace: 'shop', workload: 'shop#Deployment#web', count: 2, toNodes: ['a', 'b'] }],
      }),
    ).toEqual(['2 pods of shop/web (Deployment) → a, b']);
  });

  it('sums the plan up in one sentence, or says there is nothing to do', () => {
    expect(planSummary(plan(2, 2))).toBe(
      'Removes 2 nodes in 2 waves (at most 1 at a time), moving 3 pods, and saves $140 per month.',
    );
    expect(planSummary(plan(0, 0))).toBe('Nothing to remove now: every node is needed or protected.');
  });

  it('explains why a protected node stays', () => {
    expect(heldReason(['pod-do-not-disrupt', 'above-threshold'])).toBe(
      'a pod on it is marked karpenter.sh/do-not-disrupt',
    );
    expect(heldReason([])).toBe('protected by the policy');
  });
});

describe('agent upgrade display', () => {
  it('says queued until the agent fetches it, then its answer', () => {
    expect(agentUpgradeState({ status: 'pending', outcome: null })).toMatch(/^Queued/);
    expect(agentUpgradeState({ status: 'leased', outcome: null })).toMatch(/no answer yet/);
    expect(agentUpgradeState({ status: 'done', outcome: 'succeeded' })).toBe('Done');
    expect(agentUpgradeState({ status: 'done', outcome: 'refused' })).toBe('Refused by the agent');
  });

  it('splits the helm command a refusal asks for from its words', () => {
    const helm =
      'helm upgrade spot-optimizer-agent https://spot.example.com/api/agent/spot-optimizer-agent-0.1.0.tgz --namespace spot-optimizer --reuse-values --set image.tag=0.2.0';
    expect(agentUpgradeAnswer(`this agent (0.1.0) cannot replace itself; run: ${helm}`)).toEqual({
      text: 'this agent (0.1.0) cannot replace itself; run:',
      command: helm,
    });
    expect(agentUpgradeAnswer('already running 0.1.0')).toEqual({
      text: 'already running 0.1.0',
      command: null,
    });
    expect(agentUpgradeAnswer(null)).toEqual({ text: '', command: null });
  });
});
