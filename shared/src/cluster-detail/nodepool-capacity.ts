import type { NodePoolEdit } from '../model/cluster-detail';
import { capacityTypeOf } from './nodepool-update';

/**
 * What the Node Groups tab's Capacity column and the Karpenter card say of a NodePool edited through
 * the product (ADR 0079). Pure.
 *
 * A NodePool's `capacityType` on the group item comes from the nodes it runs (discovery and snapshots
 * read instances, not the NodePool). After spot mode is switched off, Karpenter replaces the spot nodes
 * as drifted within the pool's disruption budgets, so for a while (and, in the sandbox, for good: its
 * simulated nodes keep their capacity types) the nodes still say spot. The NodePool's requirement is
 * what the column means, so an edit's capacity types win once the agent applied them, and are shown
 * as pending while the command waits.
 */

type EditCommand = NodePoolEdit['command'];

/** The agent's progress on an edit's command, in words. */
export function nodePoolEditState(c: EditCommand): string {
  if (c.status === null) return 'the command has expired';
  if (c.status === 'pending') return 'queued for the agent';
  if (c.status === 'leased') return 'the agent is applying it';
  if (c.outcome === 'succeeded') return 'applied by the agent';
  return `${c.outcome ?? 'no outcome'} by the agent${c.reason ? `: ${c.reason}` : ''}`;
}

export type CapacityType = 'on-demand' | 'spot' | 'mixed';

export interface CapacityGroup {
  kind: 'asg' | 'managed-node-group' | 'karpenter-nodepool';
  /** What the group's nodes run (a NodePool's, from its instances). */
  capacityType: CapacityType;
  nodePoolEdit?: NodePoolEdit | null;
}

export interface CapacityCell {
  capacityType: CapacityType;
  /** Where the value comes from: the nodes running, or a NodePool edit's requirement. */
  source: 'nodes' | 'edit';
  /** The edit is not applied yet (queued or being applied). */
  pending: boolean;
  label: string;
}

const nodesLabel: Record<CapacityType, string> = { mixed: 'Mixed', spot: 'Spot', 'on-demand': 'On-demand' };
// A NodePool admitting both is spot first with on-demand as Karpenter's fallback, not a fixed mix.
const requirementLabel: Record<CapacityType, string> = {
  mixed: 'Spot, on-demand fallback',
  spot: 'Spot',
  'on-demand': 'On-demand',
};

/**
 * The Capacity column of one group. A NodePool edit's capacity types count while the command is queued
 * or being applied (`pending`), once it succeeded, and after its command expired for Spot Optimizer's
 * own pool (the reconcile keeps rendering the edit). A failed or refused edit changed nothing, and a
 * customer's pool whose command expired is unknown: the nodes' value stays.
 */
export function nodeGroupCapacity(g: CapacityGroup): CapacityCell {
  const fromNodes: CapacityCell = {
    capacityType: g.capacityType,
    source: 'nodes',
    pending: false,
    label: nodesLabel[g.capacityType],
  };
  const edit = g.kind === 'karpenter-nodepool' ? g.nodePoolEdit : null;
  if (!edit?.capacityTypes) return fromNodes;
  const c = edit.command;
  const pending = c.status === 'pending' || c.status === 'leased';
  const inForce =
    pending ||
    (c.status === 'done' && c.outcome === 'succeeded') ||
    (c.status === null && edit.managedBySpotOptimizer);
  if (!inForce) return fromNodes;
  const capacityType = capacityTypeOf(edit.capacityTypes);
  const label = requirementLabel[capacityType];
  return { capacityType, source: 'edit', pending, label: pending ? `${label} (pending)` : label };
}
