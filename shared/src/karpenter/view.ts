import { nodePoolEditState } from '../cluster-detail/nodepool-capacity';
import type { NodePoolEdit } from '../model/cluster-detail';
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
  /** It carries Spot Optimizer's label (false: a customer's object, which it never renders nor removes). */
  ours: boolean;
  /** Fields that differ from what is applied (0 for an object not applied). */
  driftCount: number;
  /** The NodePool's last edit from the Node Groups tab (ADR 0079), null for none or an EC2NodeClass. */
  edit: NodePoolEdit | null;
}

export function karpenterObjectRows(state: KarpenterStateResponse): KarpenterObjectRow[] {
  const key = (o: { kind: string; name: string }) => `${o.kind}/${o.name}`;
  const rows = new Map<string, KarpenterObjectRow>();
  for (const d of state.desired)
    rows.set(key(d), {
      kind: d.kind,
      name: d.name,
      applied: true,
      live: null,
      ours: true,
      driftCount: 0,
      edit: null,
    });
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
          edit: null,
        });
    }
  }
  for (const e of state.nodePoolEdits) {
    const row = rows.get(key({ kind: 'NodePool', name: e.nodePool }));
    if (row) row.edit = e;
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

/** The fields of a NodePool an edit set (ADR 0079): its capacity-type requirement and `limits.nodes`. */
function editedFields(e: NodePoolEdit): string {
  const fields: string[] = [];
  if (e.capacityTypes) fields.push(`capacity type ${e.capacityTypes.join(' + ')}`);
  fields.push(e.nodesLimit === null ? 'no limits.nodes' : `limits.nodes ${e.nodesLimit}`);
  return fields.join(', ');
}

/**
 * The Owner cell. A customer's NodePool stays the customer's (Spot Optimizer never renders it nor
 * removes it), but after an edit from the Node Groups tab the product did apply fields of it (a partial
 * server-side apply of the capacity-type requirement and `limits.nodes`): the cell says so, which
 * fields, when, by whom and how far the agent got. `formatAt` renders the edit's time (injected: the
 * UI's locale format).
 */
export function karpenterOwnerText(row: KarpenterObjectRow, formatAt: (iso: string) => string): string {
  const e = row.edit;
  if (row.ours)
    return e
      ? `Spot Optimizer, with an edit kept by its reconcile (${editedFields(e)}; ${formatAt(e.editedAt)} by ${e.editedBy}, ${nodePoolEditState(e.command)})`
      : 'Spot Optimizer';
  if (!e) return 'Customer (never touched)';
  return `Customer, edited through Spot Optimizer (${editedFields(e)}; ${formatAt(e.editedAt)} by ${e.editedBy}, ${nodePoolEditState(e.command)}); never rendered or removed by it`;
}

/**
 * Why nothing is rendered although Intelligent Autoscaling is on (the API's `note`). It does not repeat
 * that autoscaling is on: {@link karpenterStatusText} says so just before it.
 */
export const karpenterNoTemplateNote =
  'No node template bounds it: choose one in the policy (or set a default template) so Spot Optimizer can render its NodePool.';

/**
 * The card's opening sentence: whether Intelligent Autoscaling is on, why nothing is rendered although
 * it is (the API's note), and why the live objects are missing. Each said once.
 */
export function karpenterStatusText(state: KarpenterStateResponse): string {
  const parts = [`Intelligent Autoscaling is ${state.enabled ? 'on' : 'off'}.`];
  if (state.enabled && state.note) parts.push(state.note);
  if (state.liveError) parts.push(`The live objects could not be read: ${state.liveError}`);
  return parts.join(' ');
}
