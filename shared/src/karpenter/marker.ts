/**
 * The mark of Spot Optimizer's own Karpenter objects (ADR 0042), in a module of its own so that the agent
 * can check it without the renderers. Only an object carrying the label is Spot Optimizer's: the agent
 * refuses to delete, or to apply over, an object without it.
 */
export const managedByKey = 'spot-optimizer.io/managed-by';
export const managedByValue = 'spot-optimizer';

/** Pure: whether labels carry Spot Optimizer's mark. */
export function carriesSpotOptimizerMark(labels: Readonly<Record<string, string>>): boolean {
  return labels[managedByKey] === managedByValue;
}
