import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, SnapshotPod } from '../../src/model/cluster-snapshot';
import type { ExemptionPolicy } from '../../src/savings/cluster';
import { liveNodeExemption, nodeObjectExemption } from '../../src/savings/live-exemption';

const pod = (
  name: string,
  opts: {
    namespace?: string;
    node?: string;
    kind?: string;
    phase?: SnapshotPod['phase'];
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  } = {},
) =>
  ({
    namespace: opts.namespace ?? 'shop',
    name,
    nodeName: opts.node ?? 'web-1',
    phase: opts.phase ?? 'Running',
    owner: { kind: opts.kind ?? 'ReplicaSet', name: 'web', replicas: 2 },
    labels: opts.labels ?? { app: 'web' },
    annotations: opts.annotations ?? {},
  }) as unknown as SnapshotPod;
const snapshot = (
  pods: SnapshotPod[],
  nodes?: { name: string; labels: Record<string, string>; annotations?: Record<string, string> }[],
) => ({ pods, ...(nodes ? { nodes } : {}) }) as unknown as ClusterSnapshot;
const policy: ExemptionPolicy = {
  namespaces: ['payments'],
  labels: [{ key: 'team', value: 'core' }, { key: 'optimizer/exempt' }],
};

describe('liveNodeExemption', () => {
  it('a managed node with managed pods is not exempt', () => {
    expect(liveNodeExemption(snapshot([pod('web-a')]), 'web-1', policy)).toBeNull();
  });

  it('the live node labels win over the stored ones; the stored ones stand in for a node not listed', () => {
    const live = snapshot([], [{ name: 'web-1', labels: { 'optimizer/exempt': 'yes' } }]);
    expect(liveNodeExemption(live, 'web-1', policy, {})).toBe(
      'The node carries the exempt label optimizer/exempt',
    );
    const unlabeled = snapshot([], [{ name: 'web-1', labels: {} }]);
    expect(liveNodeExemption(unlabeled, 'web-1', policy, { team: 'core' })).toBeNull();
    expect(liveNodeExemption(snapshot([]), 'web-1', policy, { team: 'core' })).toBe(
      'The node carries the exempt label team=core',
    );
    expect(liveNodeExemption(snapshot([]), 'web-1', policy, { team: 'edge' })).toBeNull();
  });

  it('the Node marked karpenter.sh/do-not-disrupt (only "true", as Karpenter) keeps it, whatever its pods', () => {
    const marked = { 'karpenter.sh/do-not-disrupt': 'true' };
    expect(
      liveNodeExemption(
        snapshot([pod('web-a')], [{ name: 'web-1', labels: {}, annotations: marked }]),
        'web-1',
        policy,
      ),
    ).toBe('The node is marked karpenter.sh/do-not-disrupt');
    expect(nodeObjectExemption({ labels: {}, annotations: marked }, policy)).toBe(
      'The node is marked karpenter.sh/do-not-disrupt',
    );
    expect(
      nodeObjectExemption({ labels: {}, annotations: { 'karpenter.sh/do-not-disrupt': 'false' } }, policy),
    ).toBeNull();
    // Another node's mark keeps nothing here; a node from an older agent (no annotations) is not marked.
    expect(
      liveNodeExemption(
        snapshot(
          [],
          [
            { name: 'web-2', labels: {}, annotations: marked },
            { name: 'web-1', labels: {} },
          ],
        ),
        'web-1',
        policy,
      ),
    ).toBeNull();
    // The exempt label is named first when the Node carries both.
    expect(nodeObjectExemption({ labels: { team: 'core' }, annotations: marked }, policy)).toBe(
      'The node carries the exempt label team=core',
    );
  });

  it('names a pod on the node in an excluded namespace, with an exempt label, or marked do-not-disrupt', () => {
    expect(liveNodeExemption(snapshot([pod('pay', { namespace: 'payments' })]), 'web-1', policy)).toBe(
      'Pod payments/pay runs on it: namespace payments is excluded by the optimization policy',
    );
    expect(liveNodeExemption(snapshot([pod('core', { labels: { team: 'core' } })]), 'web-1', policy)).toBe(
      'Pod shop/core runs on it with the exempt label team=core',
    );
    const pinned = pod('batch', { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } });
    expect(liveNodeExemption(snapshot([pinned]), 'web-1', policy)).toBe(
      'Pod shop/batch runs on it marked karpenter.sh/do-not-disrupt',
    );
  });

  it('pods that stay with their node, finished pods and pods of other nodes keep nothing', () => {
    const pods = [
      pod('logs', { namespace: 'payments', kind: 'DaemonSet' }),
      pod('done', { namespace: 'payments', phase: 'Succeeded' }),
      pod('elsewhere', { namespace: 'payments', node: 'web-2' }),
      pod('maybe', { annotations: { 'karpenter.sh/do-not-disrupt': 'false' } }),
    ];
    expect(liveNodeExemption(snapshot(pods), 'web-1', policy)).toBeNull();
  });

  it('property: exempt exactly when the node (its labels or its do-not-disrupt mark) or one of its evictable running pods is', () => {
    const labels = fc.dictionary(
      fc.constantFrom('team', 'optimizer/exempt', 'app'),
      fc.constantFrom('core', 'edge'),
    );
    const arbPod = fc.record({
      namespace: fc.constantFrom('shop', 'payments'),
      node: fc.constantFrom('web-1', 'web-2'),
      kind: fc.constantFrom('ReplicaSet', 'DaemonSet'),
      phase: fc.constantFrom<SnapshotPod['phase']>('Running', 'Pending', 'Succeeded'),
      labels,
      doNotDisrupt: fc.boolean(),
    });
    fc.assert(
      fc.property(labels, fc.boolean(), fc.array(arbPod, { maxLength: 6 }), (nodeLabels, marked, specs) => {
        const pods = specs.map((p, i) =>
          pod(`p${i}`, {
            ...p,
            annotations: p.doNotDisrupt ? { 'karpenter.sh/do-not-disrupt': 'true' } : {},
          }),
        );
        const matches = (l: Record<string, string>) =>
          l.team === 'core' || l['optimizer/exempt'] !== undefined;
        const expected =
          matches(nodeLabels) ||
          marked ||
          specs.some(
            (p) =>
              p.node === 'web-1' &&
              p.kind !== 'DaemonSet' &&
              p.phase !== 'Succeeded' &&
              (p.namespace === 'payments' || matches(p.labels) || p.doNotDisrupt),
          );
        const got = liveNodeExemption(
          snapshot(pods, [
            {
              name: 'web-1',
              labels: nodeLabels,
              annotations: marked ? { 'karpenter.sh/do-not-disrupt': 'true' } : {},
            },
          ]),
          'web-1',
          policy,
        );
        expect(got !== null).toBe(expected);
      }),
    );
  });
});
