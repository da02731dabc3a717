/**
 * A node group minimum set back outside the product (ADR 0073). When the optimizer lowers a group's
 * minimum (node group takeover, ADR 0067) it records the minimum it set; infrastructure as code that
 * re-applies its own `min_size` raises it again. A later read that finds the minimum above what the
 * product set is drift: the product reports it and stops lowering that group (it yields) until the
 * policy is saved again, rather than lowering it at every run against the customer's IaC. Pure.
 */

/** The saved versions of the three policy levels of a cluster (0: nothing saved at that level). */
export interface PolicyVersions {
  organization: number;
  account: number;
  cluster: number;
}

/** What the product recorded of a group's minimum. */
export interface MinimumRecord {
  /** The minimum the product set last. */
  setMinSize: number;
  /** The drift found since, with the policy versions of that moment; `null`: none found. */
  drift: { observedMinSize: number; policyVersions: PolicyVersions } | null;
}

/**
 * - `none`: the product may lower the group's minimum (nothing recorded, the minimum is at or below what
 *   the product set, or a drift found earlier was acknowledged by saving the policy since);
 * - `new`: the minimum is above what the product set and no drift was recorded yet: report it, yield;
 * - `holding`: a drift was reported and the policy has not been saved since: yield.
 */
export type MinimumDriftState = 'none' | 'new' | 'holding';

/** A policy level was saved after `at` (its version went up). */
export const policySavedSince = (at: PolicyVersions, now: PolicyVersions): boolean =>
  now.organization > at.organization || now.account > at.account || now.cluster > at.cluster;

export function minimumDriftState(
  record: MinimumRecord | null,
  observedMinSize: number,
  versions: PolicyVersions,
): MinimumDriftState {
  if (record === null) return 'none';
  if (record.drift) return policySavedSince(record.drift.policyVersions, versions) ? 'none' : 'holding';
  return observedMinSize > record.setMinSize ? 'new' : 'none';
}

/**
 * The product itself wrote the group's minimum (hibernation's sleep or wake, ADR 0081), having read
 * `observedMinSize` from the group right before. The read is compared first, as any read is: a minimum
 * set back outside the product before the write is reported (`new`), and a reported drift keeps holding
 * (only a policy save ends it); in both cases the record stays as it is. Otherwise the record follows the
 * write: what the product set is now `writtenMinSize`, so a later read of that same minimum (a sleep's
 * pinned size, a wake's restored one) is never taken for IaC's. Nothing recorded stays nothing: a write
 * does not start tracking a minimum the product never lowered.
 */
export function afterProductWrite(
  record: MinimumRecord | null,
  observedMinSize: number,
  writtenMinSize: number,
  versions: PolicyVersions,
): { state: MinimumDriftState; record: MinimumRecord | null } {
  if (record === null) return { state: 'none', record: null };
  const state = minimumDriftState(record, observedMinSize, versions);
  if (state !== 'none') return { state, record };
  return { state, record: { setMinSize: writtenMinSize, drift: null } };
}

/** The report, in words (the Activity, the audit, the dry run's notes and a skipped node's result). */
export const minimumDriftMessage = (group: string, observedMinSize: number, setMinSize: number): string =>
  `The minimum of ${group} was set back to ${observedMinSize} outside the product (it had set ${setMinSize}) — infrastructure as code? The optimizer no longer lowers it, so as not to fight it; save the cluster's policy to let it lower the minimum again.`;
