/**
 * Whether a node the consolidation run is about to act on is exempt now (issue 14, ADR 0067), read from a
 * live snapshot right before its drain starts and again right before its group's minimum is lowered. The
 * plan read the stored inventory, which can be minutes old: a label or a `karpenter.sh/do-not-disrupt`
 * annotation put on the Node since, or a pod that landed on it since, must keep it as the plan would have
 * (the Node object is read once more right before its termination). Pure.
 */
import type { ClusterSnapshot } from '../model/cluster-snapshot';
import { type ExemptionPolicy, hasDoNotDisrupt } from './cluster';

/** Pods that go with their node: never evicted, so they never keep it (as in the plan). */
const nodeBoundKinds = new Set(['DaemonSet', 'Node']);

const selectorText = (s: { key: string; value?: string | undefined }) =>
  `${s.key}${s.value === undefined ? '' : `=${s.value}`}`;

const matching = (labels: Readonly<Record<string, string>>, policy: ExemptionPolicy) =>
  policy.labels.find(
    (s) => labels[s.key] !== undefined && (s.value === undefined || s.value === labels[s.key]),
  );

/**
 * Why the Node object itself keeps the node, or `null`: its labels match an excluded selector, or it
 * carries `karpenter.sh/do-not-disrupt: "true"` (Karpenter disrupts no such node; neither does the
 * optimizer). `node` is the live Node (labels and annotations), read right before the optimizer acts.
 */
export function nodeObjectExemption(
  node: { labels: Readonly<Record<string, string>>; annotations?: Readonly<Record<string, string>> },
  policy: ExemptionPolicy,
): string | null {
  const label = matching(node.labels, policy);
  if (label) return `The node carries the exempt label ${selectorText(label)}`;
  if (hasDoNotDisrupt(node.annotations ?? {})) return 'The node is marked karpenter.sh/do-not-disrupt';
  return null;
}

/**
 * Why `nodeName` is exempt now, in words, or `null`: the Node object keeps it ({@link nodeObjectExemption}:
 * the live node's labels and annotations, else `storedLabels` when the snapshot does not list it), or a pod
 * running or pending on it that its drain would evict is in an excluded namespace, matches an excluded
 * selector or carries `karpenter.sh/do-not-disrupt: "true"`.
 */
export function liveNodeExemption(
  snapshot: Pick<ClusterSnapshot, 'pods'> & { nodes?: ClusterSnapshot['nodes'] },
  nodeName: string,
  policy: ExemptionPolicy,
  storedLabels: Readonly<Record<string, string>> = {},
): string | null {
  const live = snapshot.nodes?.find((n) => n.name === nodeName);
  const node = nodeObjectExemption(live ?? { labels: storedLabels }, policy);
  if (node) return node;
  for (const pod of snapshot.pods) {
    if (pod.nodeName !== nodeName || (pod.phase !== 'Running' && pod.phase !== 'Pending')) continue;
    if (nodeBoundKinds.has(pod.owner?.kind ?? '')) continue;
    const name = `${pod.namespace}/${pod.name}`;
    if (policy.namespaces.includes(pod.namespace))
      return `Pod ${name} runs on it: namespace ${pod.namespace} is excluded by the optimization policy`;
    const podLabel = matching(pod.labels ?? {}, policy);
    if (podLabel) return `Pod ${name} runs on it with the exempt label ${selectorText(podLabel)}`;
    if (hasDoNotDisrupt(pod.annotations ?? {}))
      return `Pod ${name} runs on it marked karpenter.sh/do-not-disrupt`;
  }
  return null;
}
