import type { KarpenterStateResponse } from '../model/karpenter';

/**
 * What the cluster page's Karpenter card shows (ADR 0046), computed from `GET .../karpenter`: one row per
 * object Spot Optimizer applies or the cluster has, and the last reconcile summed up in one outcome.
 */
export interface KarpenterObjectRow {
  kind: 'NodePool' | 'EC2NodeClass';
  name: string;
  /** Spot Optimizer wants it (rendered from the template and policy). */
  applied: boolean;
  /** The cluster has it; null when the live objects could not be read. */
  live: boolean | null;
  /** It carries Spot Optimizer's label (false: a customer's object, never touched). */
  ours: boolean;
  /** Fields that differ from what is applied (0 for an object not applied). */
  driftCount: number;
}

export function karpenterObjectRows(state: KarpenterStateResponse): KarpenterObjectRow[] {
  const key = (o: { kind: string; name: string }) => `${o.kind}/${o.name}`;
  const rows = new Map<string, KarpenterObjectRow>();
  for (const d of state.desired)
    rows.set(key(d), { kind: d.kind, name: d.name, applied: true, live: null, ours: true, driftCount: 0 });
  if (state.live !== null) {
    for (const row of rows.values()) row.live = false;
    for (const l of state.live) {
      const row = rows.get(key(l));
      if (row) row.live = true;
      else
        rows.set(key(l), {
          kind: l.kind,
          name: l.name,
          applied: false,
          live: true,
          ours: l.managedBySpotOptimizer,
          driftCount: 0,
        });
    }
  }
  for (const d of state.drift) {
    const row = rows.get(key(d));
    if (row?.applied && d.path !== '(object)') row.driftCount += 1;
  }
  // Classes before pools (the order they are applied in), then by name.
  return [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

export type ReconcileOutcome = 'never' | 'nothing-sent' | 'in-progress' | 'succeeded' | 'failed';

/** The last reconcile in one word: any command failed or refused -> failed; any still open -> in progress. */
export function lastReconcileOutcome(state: KarpenterStateResponse): ReconcileOutcome {
  const last = state.lastReconcile;
  if (last === null) return 'never';
  if (last.commands.length === 0) return 'nothing-sent';
  if (last.commands.some((c) => c.outcome === 'failed' || c.outcome === 'refused')) return 'failed';
  if (last.commands.some((c) => c.status !== 'done' || c.outcome === 'wait')) return 'in-progress';
  return 'succeeded';
}
