/**
 * A Karpenter-like provisioning baseline, to measure the packer against what a good autoscaler does on
 * the same pods (docs/packing.md, benchmarks):
 *
 * - pods sorted by CPU, then memory, largest first (Karpenter's provisioner order);
 * - each pod goes to the first open node claim that can still take it; a claim keeps every node option
 *   (instance type x capacity type) that still holds all its pods and accepts them, and a pod opens a
 *   new claim when no claim can take it;
 * - at launch each claim becomes the cheapest option it kept.
 *
 * Not Karpenter itself: no consolidation afterwards, no 60-type truncation, no zone spreading.
 */
import { buildClusterModel, type ClusterModel, type PodClass } from './pack';
import type { PackingProblem, PlannedNode, UnplacedPod } from './problem';

export interface BaselinePlan {
  readonly nodes: PlannedNode[];
  readonly hourlyCostUsd: number;
  readonly unplaced: UnplacedPod[];
}

interface Claim {
  options: number[];
  load: Float64Array;
  /** Per dimension, the largest capacity among the kept options (quick rejection). */
  maxCapacity: Float64Array;
  pods: string[];
}

/** The baseline plan (see above) for a problem; cost = sum of the claims' cheapest options, USD/h. */
export function karpenterLikePlan(
  problem: PackingProblem,
  model: ClusterModel = buildClusterModel(problem),
): BaselinePlan {
  const d = model.dimensions.length;
  const m = model.classes.length;
  const copies: { c: number; name: string; input: number }[] = [];
  let input = 0;
  for (const [c, podClass] of model.classes.entries())
    for (const name of podClass.copies) copies.push({ c, name, input: input++ });
  // Copies are grouped by class; restore input order before the stable sort by CPU, then memory.
  copies.sort((a, b) => a.input - b.input);
  copies.sort((a, b) => {
    const x = model.classes[a.c] as PodClass;
    const y = model.classes[b.c] as PodClass;
    return (y.size[0] ?? 0) - (x.size[0] ?? 0) || (y.size[1] ?? 0) - (x.size[1] ?? 0);
  });

  const claims: Claim[] = [];
  const unplaced: UnplacedPod[] = [];
  const fits = (o: number, load: Float64Array, size: Float64Array) => {
    const capacity = model.options[o]?.capacity;
    for (let k = 0; k < d; k++) if ((load[k] ?? 0) + (size[k] ?? 0) > (capacity?.[k] ?? 0)) return false;
    return true;
  };
  const maxOf = (options: readonly number[]) => {
    const max = new Float64Array(d);
    for (const o of options) {
      const capacity = model.options[o]?.capacity;
      for (let k = 0; k < d; k++) max[k] = Math.max(max[k] ?? 0, capacity?.[k] ?? 0);
    }
    return max;
  };
  for (const { c, name } of copies) {
    const size = (model.classes[c] as PodClass).size;
    let placed = false;
    for (const claim of claims) {
      let possible = true;
      for (let k = 0; k < d && possible; k++)
        if ((claim.load[k] ?? 0) + (size[k] ?? 0) > (claim.maxCapacity[k] ?? 0)) possible = false;
      if (!possible) continue;
      const kept = claim.options.filter(
        (o) => model.compatible[o * m + c] === 1 && fits(o, claim.load, size),
      );
      if (kept.length === 0) continue;
      claim.options = kept;
      claim.maxCapacity = maxOf(kept);
      for (let k = 0; k < d; k++) claim.load[k] = (claim.load[k] ?? 0) + (size[k] ?? 0);
      claim.pods.push(name);
      placed = true;
      break;
    }
    if (placed) continue;
    const empty = new Float64Array(d);
    const options = model.options
      .map((_, o) => o)
      .filter((o) => model.compatible[o * m + c] === 1 && fits(o, empty, size));
    if (options.length === 0) {
      unplaced.push({ pod: name, reason: 'no allowed node option holds it' });
      continue;
    }
    claims.push({ options, load: Float64Array.from(size), maxCapacity: maxOf(options), pods: [name] });
  }

  let hourlyCostUsd = 0;
  const nodes = claims.map((claim) => {
    let best = claim.options[0] ?? 0;
    for (const o of claim.options)
      if ((model.options[o]?.hourlyUsd ?? 0) < (model.options[best]?.hourlyUsd ?? 0)) best = o;
    const option = model.options[best];
    hourlyCostUsd += option?.hourlyUsd ?? 0;
    return {
      instanceType: option?.type.name ?? '',
      capacityType: option?.capacityType ?? 'on-demand',
      pods: claim.pods,
    };
  });
  return { nodes, hourlyCostUsd, unplaced };
}
