/**
 * The re-fit used by consolidation: where do the pods of removed nodes go? Injectable, so a real packer
 * (taints, selectors, topology) can replace the simple first-fit below without touching the planner.
 *
 * Contract of a `FitFunction`: place each pod on at most one bin, never beyond a bin's free CPU, memory or
 * pod slots; pods it cannot place are returned in `unplaced`. The planner re-checks the result and throws
 * `SAVINGS_FIT_OVERCOMMIT` if the contract is broken.
 */

export interface FitPod {
  key: string;
  cpuRequestMilli: number;
  memoryRequestMiB: number;
}

export interface FitBin {
  name: string;
  freeCpuMilli: number;
  freeMemoryMiB: number;
  /** Free pod slots; `Infinity` when the node has no max-pods limit. */
  freePods: number;
}

export interface FitResult {
  placements: { podKey: string; binName: string }[];
  unplaced: string[];
}

export type FitFunction = (pods: readonly FitPod[], bins: readonly FitBin[]) => FitResult;

/**
 * First-fit decreasing: pods sorted by CPU then memory request, largest first (Karpenter's provisioning
 * order), each placed on the first bin (in the given order) with room for its CPU, memory and one pod slot
 * that `allowed` accepts for it (scheduling rules a caller knows: node groups, selectors, taints).
 */
export const firstFitDecreasingWhere =
  (allowed: (pod: FitPod, binName: string) => boolean): FitFunction =>
  (pods, bins) => {
    const sorted = [...pods].sort(
      (a, b) =>
        b.cpuRequestMilli - a.cpuRequestMilli ||
        b.memoryRequestMiB - a.memoryRequestMiB ||
        a.key.localeCompare(b.key),
    );
    const free = bins.map((b) => ({ ...b }));
    const placements: FitResult['placements'] = [];
    const unplaced: string[] = [];
    for (const pod of sorted) {
      const bin = free.find(
        (b) =>
          b.freeCpuMilli >= pod.cpuRequestMilli &&
          b.freeMemoryMiB >= pod.memoryRequestMiB &&
          b.freePods >= 1 &&
          allowed(pod, b.name),
      );
      if (bin === undefined) {
        unplaced.push(pod.key);
        continue;
      }
      bin.freeCpuMilli -= pod.cpuRequestMilli;
      bin.freeMemoryMiB -= pod.memoryRequestMiB;
      bin.freePods -= 1;
      placements.push({ podKey: pod.key, binName: bin.name });
    }
    return { placements, unplaced };
  };

/** First-fit decreasing on room alone. */
export const firstFitDecreasing: FitFunction = firstFitDecreasingWhere(() => true);
