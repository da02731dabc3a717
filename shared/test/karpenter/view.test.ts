import { describe, expect, it } from 'vitest';
import {
  karpenterNoTemplateNote,
  karpenterObjectRows,
  karpenterOwnerText,
  karpenterStatusText,
} from '../../src/karpenter/view';
import type { NodePoolEdit } from '../../src/model/cluster-detail';
import type { KarpenterStateResponse } from '../../src/model/karpenter';

const object = (kind: 'NodePool' | 'EC2NodeClass', name: string, ours: boolean) => ({
  kind,
  name,
  managedBySpotOptimizer: ours,
  labels: {},
  annotations: {},
  spec: {},
});
const state = (over: Partial<KarpenterStateResponse> = {}): KarpenterStateResponse => ({
  clusterId: 'c1',
  enabled: true,
  templateId: 't1',
  note: null,
  desired: [object('EC2NodeClass', 'spot-optimizer', true), object('NodePool', 'spot-optimizer', true)],
  live: [
    object('EC2NodeClass', 'spot-optimizer', true),
    object('NodePool', 'spot-optimizer', true),
    object('NodePool', 'batch', false),
    object('NodePool', 'gpu', false),
  ],
  liveError: null,
  drift: [],
  plan: { apply: [], remove: [], refused: [] },
  lastReconcile: null,
  nodePoolEdits: [],
  ...over,
});
const edit = (over: Partial<NodePoolEdit> = {}): NodePoolEdit => ({
  nodePool: 'batch',
  capacityTypes: ['on-demand'],
  nodesLimit: 4,
  managedBySpotOptimizer: false,
  editedAt: '2026-12-08T00:10:00.000Z',
  editedBy: 'ops@example.com',
  command: { id: 'nodepool-edit:1', status: 'done', outcome: 'succeeded', reason: null },
  ...over,
});
const at = (iso: string) => `at ${iso}`;
const ownerOf = (s: KarpenterStateResponse, name: string) => {
  const row = karpenterObjectRows(s).find((r) => r.kind === 'NodePool' && r.name === name);
  if (!row) throw new Error(`no row ${name}`);
  return karpenterOwnerText(row, at);
};

describe('karpenterOwnerText', () => {
  it('says a customer NodePool edited through the product was, which fields, when and by whom', () => {
    const s = state({ nodePoolEdits: [edit()] });
    const text = ownerOf(s, 'batch');
    expect(text).not.toContain('never touched');
    expect(text).toBe(
      'Customer, edited through Spot Optimizer (capacity type on-demand, limits.nodes 4; at 2026-12-08T00:10:00.000Z by ops@example.com, applied by the agent); never rendered or removed by it',
    );
    // The other customer pool, not edited, is still untouched; the edit is not an applied object.
    expect(ownerOf(s, 'gpu')).toBe('Customer (never touched)');
    const batch = karpenterObjectRows(s).find((r) => r.name === 'batch');
    expect(batch).toMatchObject({ applied: false, ours: false, driftCount: 0 });
  });

  it("names the agent's progress and a removed node limit", () => {
    const queued = edit({
      capacityTypes: ['spot', 'on-demand'],
      nodesLimit: null,
      command: { id: 'x', status: 'pending', outcome: null, reason: null },
    });
    expect(ownerOf(state({ nodePoolEdits: [queued] }), 'batch')).toContain(
      '(capacity type spot + on-demand, no limits.nodes; at 2026-12-08T00:10:00.000Z by ops@example.com, queued for the agent)',
    );
    const refused = edit({
      command: { id: 'x', status: 'done', outcome: 'refused', reason: 'write mode off' },
    });
    expect(ownerOf(state({ nodePoolEdits: [refused] }), 'batch')).toContain(
      'refused by the agent: write mode off',
    );
  });

  it("says Spot Optimizer's own NodePool carries an edit its reconcile keeps", () => {
    const own = edit({ nodePool: 'spot-optimizer', managedBySpotOptimizer: true });
    expect(ownerOf(state({ nodePoolEdits: [own] }), 'spot-optimizer')).toMatch(
      /^Spot Optimizer, with an edit kept by its reconcile \(capacity type on-demand, limits\.nodes 4;/,
    );
    expect(ownerOf(state(), 'spot-optimizer')).toBe('Spot Optimizer');
  });

  it('ignores an edit of a NodePool the cluster no longer has', () => {
    const rows = karpenterObjectRows(state({ nodePoolEdits: [edit({ nodePool: 'gone' })] }));
    expect(rows.map((r) => r.name)).not.toContain('gone');
    expect(rows.every((r) => r.edit === null)).toBe(true);
  });
});

describe('karpenterStatusText', () => {
  const count = (text: string, word: string) => text.split(word).length - 1;

  it('says once that autoscaling is on when no node template bounds it', () => {
    const text = karpenterStatusText(state({ templateId: null, note: karpenterNoTemplateNote, desired: [] }));
    expect(count(text, 'Intelligent Autoscaling is on')).toBe(1);
    expect(text).toBe(
      'Intelligent Autoscaling is on. No node template bounds it: choose one in the policy (or set a default template) so Spot Optimizer can render its NodePool.',
    );
  });

  it('says off, and why the live objects are missing', () => {
    expect(karpenterStatusText(state({ enabled: false, desired: [] }))).toBe(
      'Intelligent Autoscaling is off.',
    );
    expect(karpenterStatusText(state({ live: null, liveError: 'access denied' }))).toBe(
      'Intelligent Autoscaling is on. The live objects could not be read: access denied',
    );
  });
});
