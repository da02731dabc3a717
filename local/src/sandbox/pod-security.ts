import type { SnapshotPodSecurity } from '@spot/shared/model/cluster-snapshot';

/**
 * Security contexts of the sandbox's pods (issue 17, ADR 0052), so the Compliance tab has something real
 * to find. DaemonSets carry what their EKS add-ons really declare (aws-node and kube-proxy are privileged
 * on the host network); workloads get a deterministic mix from their hash: most are hardened, some run as
 * root or on the default service account, a few ask for privileges they should not have.
 */

const hardened: SnapshotPodSecurity = {
  privileged: false,
  allowPrivilegeEscalation: false,
  runAsRoot: false,
  hostNetwork: false,
  hostPID: false,
  hostIPC: false,
  serviceAccountName: 'default',
  automountServiceAccountToken: false,
};

const daemonSets: Record<string, Partial<SnapshotPodSecurity>> = {
  'aws-node': { privileged: true, allowPrivilegeEscalation: true, runAsRoot: true, hostNetwork: true },
  'kube-proxy': { privileged: true, allowPrivilegeEscalation: true, runAsRoot: true, hostNetwork: true },
  'ebs-csi-node': { privileged: true, allowPrivilegeEscalation: true, runAsRoot: true },
  'node-exporter': { hostNetwork: true, hostPID: true },
  'fluent-bit': { runAsRoot: true },
  'datadog-agent': { runAsRoot: true, hostPID: true },
  'nvidia-device-plugin': { allowPrivilegeEscalation: true, runAsRoot: true },
};

export function daemonSetSecurity(name: string): SnapshotPodSecurity {
  return {
    ...hardened,
    serviceAccountName: name,
    automountServiceAccountToken: true,
    ...(daemonSets[name] ?? {}),
  };
}

/** A workload's pods all share its template's context; `hash` picks it deterministically. */
export function workloadSecurity(w: { name: string; hash: number }): SnapshotPodSecurity {
  const h = w.hash >>> 0;
  const defaultAccount = h % 4 === 1;
  return {
    ...hardened,
    runAsRoot: h % 5 === 0,
    allowPrivilegeEscalation: h % 5 === 0,
    privileged: h % 17 === 3,
    hostNetwork: h % 19 === 7,
    serviceAccountName: defaultAccount ? 'default' : w.name,
    automountServiceAccountToken: defaultAccount || h % 3 === 0,
  };
}
