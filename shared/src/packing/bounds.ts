/**
 * Simple valid lower bounds on the optimal packing cost, used when the LP bound is unavailable and as a
 * floor under it (the plan reports the max of all valid bounds).
 */
import { binTypeCount, classCount, type VectorProblem } from './vector';

/**
 * Resource-price bound for a weighting λ >= 0 of the dimensions:
 *
 *   LB(λ) = sum_i demand_i x (λ · size_i) x min_{b compatible with i} cost_b / (λ · capacity_b)
 *
 * Valid because a bin of type b holding items S costs cost_b >= sum_{i in S} (λ · size_i) x
 * cost_b / (λ · capacity_b) (the items' weighted load is at most the weighted capacity), and each term is
 * at least the item's cheapest rate. With λ = a unit vector this is "total CPU x cheapest price per
 * millicore", and likewise for memory, pod slots and each extended resource.
 */
export function resourcePriceBound(p: VectorProblem, weights: ArrayLike<number>): number {
  const d = p.dims;
  const m = classCount(p);
  const types = binTypeCount(p);
  let bound = 0;
  for (let i = 0; i < m; i++) {
    let itemWeight = 0;
    for (let k = 0; k < d; k++) itemWeight += (weights[k] ?? 0) * (p.sizes[i * d + k] ?? 0);
    if (itemWeight <= 0) continue;
    let rate = Number.POSITIVE_INFINITY;
    for (let b = 0; b < types; b++) {
      if (p.compatible[b * m + i] !== 1) continue;
      let capacityWeight = 0;
      for (let k = 0; k < d; k++) capacityWeight += (weights[k] ?? 0) * (p.capacities[b * d + k] ?? 0);
      if (capacityWeight > 0) rate = Math.min(rate, (p.costs[b] ?? 0) / capacityWeight);
    }
    // An item no bin type can take makes the problem infeasible; callers remove those first.
    if (Number.isFinite(rate)) bound += (p.demand[i] ?? 0) * itemWeight * rate;
  }
  return bound;
}

/**
 * max over: each dimension alone, all dimensions normalized by the largest capacity, and
 * `minBins x cheapest bin cost`.
 */
export function simpleLowerBound(p: VectorProblem): number {
  const d = p.dims;
  let best = 0;
  const unit = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    unit.fill(0);
    unit[k] = 1;
    best = Math.max(best, resourcePriceBound(p, unit));
  }
  const normalized = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    let maxCapacity = 0;
    for (let b = 0; b < binTypeCount(p); b++)
      maxCapacity = Math.max(maxCapacity, p.capacities[b * d + k] ?? 0);
    normalized[k] = maxCapacity > 0 ? 1 / maxCapacity : 0;
  }
  best = Math.max(best, resourcePriceBound(p, normalized));
  // Per-bin caps: class i needs at least ceil(demand_i / cap_i) bins, each of a type it may use.
  if (p.maxPerBin) {
    const m = classCount(p);
    for (let i = 0; i < m; i++) {
      const cap = p.maxPerBin[i] ?? 0;
      if (cap <= 0 || (p.demand[i] ?? 0) <= cap) continue;
      let cheapestFor = Number.POSITIVE_INFINITY;
      for (let b = 0; b < binTypeCount(p); b++)
        if (p.compatible[b * m + i] === 1) cheapestFor = Math.min(cheapestFor, p.costs[b] ?? 0);
      if (Number.isFinite(cheapestFor))
        best = Math.max(best, Math.ceil((p.demand[i] ?? 0) / cap) * cheapestFor);
    }
  }
  let cheapest = Number.POSITIVE_INFINITY;
  for (const c of p.costs) cheapest = Math.min(cheapest, c);
  if (p.minBins > 0 && Number.isFinite(cheapest)) best = Math.max(best, p.minBins * cheapest);
  return best;
}
