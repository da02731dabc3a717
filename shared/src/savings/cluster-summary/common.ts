import type { ModelNode, SnapshotModel } from '../snapshot-model';

/** A node whose hourly price is known (live or catalog). */
export type PricedNode = ModelNode & { price: { hourlyPriceUsd: number } };

/** The nodes with a known hourly price: the only ones in the run rate, efficiency and unit prices. */
export const pricedNodesOf = (model: SnapshotModel): PricedNode[] =>
  model.nodes.filter((n): n is PricedNode => n.price.hourlyPriceUsd !== null);

export function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

export const round = (v: number, digits = 4) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** A workload as the summary's top lists name it (empty fields for a key the model does not know). */
export interface WorkloadRef {
  key: string;
  namespace: string;
  kind: string;
  name: string;
  replicas: number;
}

export function workloadDescriber(model: SnapshotModel): (key: string) => WorkloadRef {
  const workloadByKey = new Map(model.workloads.map((w) => [w.key, w]));
  return (key) => {
    const w = workloadByKey.get(key);
    return {
      key,
      namespace: w?.namespace ?? '',
      kind: w?.kind ?? '',
      name: w?.name ?? '',
      replicas: w?.pods.length ?? 0,
    };
  };
}
