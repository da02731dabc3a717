/**
 * The Workloads & Namespaces tab's figures (ADR 0052), from the cluster's workload items. Pure.
 * Cost is the workloads' monthly cost share (their requests at their nodes' unit prices, USD/month).
 */

export interface CostedWorkload {
  namespace: string;
  kind: string;
  name: string;
  replicas: number;
  requestCpuMilli: number;
  requestMemoryMiB: number;
  usedCpuMilli: number | null;
  usedMemoryMiB: number | null;
  monthlyCostUsd: number;
  rightsizing?: { monthlySavingUsd: number; status: string } | null;
}

export interface NamespaceCost {
  namespace: string;
  workloadCount: number;
  monthlyCostUsd: number;
  requestCpuMilli: number;
  /** `null` when no workload of the namespace has usage yet. */
  usedCpuMilli: number | null;
  requestMemoryMiB: number;
  usedMemoryMiB: number | null;
  /** used / requested CPU, 0..; `null` without usage or requests. */
  cpuUseRatio: number | null;
  /** The spec's insight when the namespace uses less than {@link overRequestRatio} of its CPU request. */
  insight: string | null;
}

/** A namespace using less than half of what it requests is worth rightsizing. */
export const overRequestRatio = 0.5;

const cpus = (milli: number) => {
  const v = milli / 1000;
  // Whole CPUs from 10, one decimal from 1, two below (a 40m DaemonSet is "0.04 CPUs", not "0").
  const shown = v >= 10 ? Math.round(v) : v >= 1 ? Math.round(v * 10) / 10 : Math.round(v * 100) / 100;
  return `${shown} CPU${shown === 1 ? '' : 's'}`;
};

/** Namespaces by monthly cost, most expensive first (ties by name). */
export function namespaceCosts(workloads: readonly CostedWorkload[]): NamespaceCost[] {
  const byNs = new Map<string, NamespaceCost>();
  for (const w of workloads) {
    let ns = byNs.get(w.namespace);
    if (!ns) {
      ns = {
        namespace: w.namespace,
        workloadCount: 0,
        monthlyCostUsd: 0,
        requestCpuMilli: 0,
        usedCpuMilli: null,
        requestMemoryMiB: 0,
        usedMemoryMiB: null,
        cpuUseRatio: null,
        insight: null,
      };
      byNs.set(w.namespace, ns);
    }
    ns.workloadCount += 1;
    ns.monthlyCostUsd += w.monthlyCostUsd;
    ns.requestCpuMilli += w.requestCpuMilli;
    ns.requestMemoryMiB += w.requestMemoryMiB;
    if (w.usedCpuMilli !== null) ns.usedCpuMilli = (ns.usedCpuMilli ?? 0) + w.usedCpuMilli;
    if (w.usedMemoryMiB !== null) ns.usedMemoryMiB = (ns.usedMemoryMiB ?? 0) + w.usedMemoryMiB;
  }
  for (const ns of byNs.values()) {
    ns.cpuUseRatio =
      ns.usedCpuMilli === null || ns.requestCpuMilli <= 0 ? null : ns.usedCpuMilli / ns.requestCpuMilli;
    if (ns.cpuUseRatio !== null && ns.cpuUseRatio < overRequestRatio && ns.usedCpuMilli !== null)
      ns.insight = `${ns.namespace} requests ${cpus(ns.requestCpuMilli)} and uses ${cpus(ns.usedCpuMilli)}. Recommendation: right-size.`;
  }
  return [...byNs.values()].sort(
    (a, b) => b.monthlyCostUsd - a.monthlyCostUsd || a.namespace.localeCompare(b.namespace),
  );
}

/** The top spenders among Deployments and StatefulSets, most expensive first. */
export function topSpenders<W extends CostedWorkload>(workloads: readonly W[], limit = 10): W[] {
  return workloads
    .filter((w) => w.kind === 'Deployment' || w.kind === 'StatefulSet')
    .slice()
    .sort(
      (a, b) =>
        b.monthlyCostUsd - a.monthlyCostUsd ||
        `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
    )
    .slice(0, Math.max(0, limit));
}
