import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditDiff, fieldLabel } from '../../src/audit/diff';
import { auditEventLabel, auditEventOptions } from '../../src/audit/event';
import { matchesAuditFilter } from '../../src/audit/filter';
import { auditFilterSchema, auditListQuerySchema } from '../../src/model/audit';

describe('auditDiff', () => {
  it('names each changed field with a label ("Max Nodes 10 → 15")', () => {
    expect(auditDiff({ maxNodes: 10, name: 'a' }, { maxNodes: 15, name: 'a' })).toEqual([
      { path: 'maxNodes', label: 'Max Nodes', before: 10, after: 15 },
    ]);
    expect(auditDiff(undefined, { spec: { cpuMilli: 5 } })).toEqual([
      { path: 'spec.cpuMilli', label: 'Spec › Cpu Milli', before: null, after: 5 },
    ]);
    expect(fieldLabel('min_size')).toBe('Min Size');
  });

  it('is empty for equal documents and symmetric otherwise', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }), (a, b) => {
        expect(auditDiff(a, structuredClone(a))).toEqual([]);
        const ab = auditDiff(a, b);
        const ba = auditDiff(b, a);
        expect(ba.map((c) => c.path)).toEqual(ab.map((c) => c.path));
        expect(ba.map((c) => [c.before, c.after])).toEqual(ab.map((c) => [c.after, c.before]));
      }),
    );
  });
});

describe('audit filters', () => {
  const record = {
    createdAt: '2026-07-10T12:00:00.000Z',
    actorType: 'user',
    actorId: 'u-1',
    actorName: 'alice@example.com',
    action: 'policy.update',
    target: 'policy/cluster/eks-1',
    outcome: 'success',
  };
  it('matches by range (from inclusive, to exclusive), actor, type, event prefix, target and outcome', () => {
    expect(matchesAuditFilter(record, {})).toBe(true);
    expect(matchesAuditFilter(record, { from: record.createdAt })).toBe(true);
    expect(matchesAuditFilter(record, { to: record.createdAt })).toBe(false);
    expect(matchesAuditFilter(record, { actor: 'alice' })).toBe(true);
    expect(matchesAuditFilter(record, { actor: 'u-1' })).toBe(true);
    expect(matchesAuditFilter(record, { actor: 'bob' })).toBe(false);
    expect(matchesAuditFilter(record, { actorType: 'system' })).toBe(false);
    expect(matchesAuditFilter(record, { event: 'policy.' })).toBe(true);
    expect(matchesAuditFilter(record, { event: 'policy' })).toBe(false);
    expect(matchesAuditFilter(record, { target: 'eks-1' })).toBe(true);
    expect(matchesAuditFilter(record, { outcome: 'denied' })).toBe(false);
  });

  it('refuses a range that ends before it starts, with the field named', () => {
    const bad = auditListQuerySchema.safeParse({ from: '2026-07-02T00:00:00Z', to: '2026-07-01T00:00:00Z' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['to']);
    expect(auditFilterSchema.safeParse({ event: 'DROP TABLE' }).success).toBe(false);
  });

  it('words events', () => {
    expect(auditEventLabel('hibernation.schedule.update')).toBe('Modified Hibernation Schedule');
    expect(auditEventLabel('optimizer.node.replace')).toBe('Optimizer Node Replace');
  });

  it('offers every known action and one prefix per area as event filters the API accepts', () => {
    const options = auditEventOptions();
    expect(options).toContainEqual({ value: 'policy.update', label: 'Modified Policy' });
    expect(options).toContainEqual({ value: 'policy.', label: 'Any policy event' });
    expect(options).toContainEqual({ value: 'node-template.', label: 'Any node template event' });
    expect(new Set(options.map((o) => o.value)).size).toBe(options.length);
    for (const o of options)
      expect(auditFilterSchema.safeParse({ event: o.value }).success, o.value).toBe(true);
  });
});
