import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CapacityGroup,
  nodeGroupCapacity,
  nodePoolEditState,
} from '../../src/cluster-detail/nodepool-capacity';
import type { NodePoolEdit } from '../../src/model/cluster-detail';

const edit = (
  capacityTypes: NodePoolEdit['capacityTypes'],
  command: Partial<NodePoolEdit['command']>,
  managedBySpotOptimizer = false,
): NodePoolEdit => ({
  nodePool: 'batch',
  capacityTypes,
  nodesLimit: 4,
  managedBySpotOptimizer,
  editedAt: '2026-12-08T00:00:00.000Z',
  editedBy: 'ops@example.com',
  command: { id: 'nodepool-edit:1', status: 'pending', outcome: null, reason: null, ...command },
});
const pool = (nodePoolEdit: NodePoolEdit | null, capacityType: CapacityGroup['capacityType'] = 'spot') => ({
  kind: 'karpenter-nodepool' as const,
  capacityType,
  nodePoolEdit,
});
const applied = { status: 'done', outcome: 'succeeded' } as const;

describe('nodeGroupCapacity', () => {
  it('follows an applied edit to on-demand although the nodes still run spot', () => {
    expect(nodeGroupCapacity(pool(edit(['on-demand'], applied)))).toEqual({
      capacityType: 'on-demand',
      source: 'edit',
      pending: false,
      label: 'On-demand',
    });
  });

  it('shows the edit as pending while it is queued or being applied', () => {
    for (const status of ['pending', 'leased'] as const)
      expect(nodeGroupCapacity(pool(edit(['on-demand'], { status })))).toMatchObject({
        capacityType: 'on-demand',
        pending: true,
        label: 'On-demand (pending)',
      });
  });

  it('calls spot with on-demand admitted what Karpenter does with it: spot first, on-demand fallback', () => {
    expect(nodeGroupCapacity(pool(edit(['spot', 'on-demand'], applied), 'on-demand')).label).toBe(
      'Spot, on-demand fallback',
    );
  });

  it('keeps what the nodes run when the edit failed, was refused or left the capacity types alone', () => {
    for (const outcome of ['failed', 'refused'] as const)
      expect(
        nodeGroupCapacity(pool(edit(['on-demand'], { status: 'done', outcome, reason: 'rbac' }))),
      ).toEqual({
        capacityType: 'spot',
        source: 'nodes',
        pending: false,
        label: 'Spot',
      });
    expect(nodeGroupCapacity(pool(edit(null, applied))).label).toBe('Spot');
    expect(nodeGroupCapacity(pool(null)).label).toBe('Spot');
  });

  it("trusts an expired command's edit only for Spot Optimizer's own pool (its reconcile renders it)", () => {
    expect(nodeGroupCapacity(pool(edit(['on-demand'], { status: null }, true))).label).toBe('On-demand');
    expect(nodeGroupCapacity(pool(edit(['on-demand'], { status: null }, false))).label).toBe('Spot');
  });

  it('never reads an edit on an Auto Scaling or managed node group', () => {
    expect(
      nodeGroupCapacity({ kind: 'asg', capacityType: 'mixed', nodePoolEdit: edit(['on-demand'], applied) }),
    ).toMatchObject({ source: 'nodes', label: 'Mixed' });
  });

  it('is pending exactly when the command is still open, and then names the edit', () => {
    const status = fc.constantFrom('pending', 'leased', 'done', null);
    const outcome = fc.constantFrom('succeeded', 'failed', 'refused', 'wait', null);
    const types = fc.constantFrom<NodePoolEdit['capacityTypes']>(
      ['spot'],
      ['on-demand'],
      ['spot', 'on-demand'],
    );
    fc.assert(
      fc.property(status, outcome, types, fc.boolean(), (s, o, t, managed) => {
        const cell = nodeGroupCapacity(pool(edit(t, { status: s, outcome: o }, managed)));
        expect(cell.pending).toBe(s === 'pending' || s === 'leased');
        if (cell.pending) expect(cell.source).toBe('edit');
        if (cell.source === 'nodes') expect(cell.capacityType).toBe('spot');
      }),
    );
  });
});

describe('nodePoolEditState', () => {
  it("says how far the agent got, with a refusal's reason", () => {
    expect(nodePoolEditState({ id: 'c', status: 'pending', outcome: null, reason: null })).toBe(
      'queued for the agent',
    );
    expect(nodePoolEditState({ id: 'c', status: 'done', outcome: 'succeeded', reason: null })).toBe(
      'applied by the agent',
    );
    expect(nodePoolEditState({ id: 'c', status: 'done', outcome: 'refused', reason: 'write mode off' })).toBe(
      'refused by the agent: write mode off',
    );
    expect(nodePoolEditState({ id: 'c', status: null, outcome: null, reason: null })).toBe(
      'the command has expired',
    );
  });
});
