import type { CapacityType, CloudTarget, CustomerCloudPort, EksCluster, MetricQuery } from '../cloud';
import type { ClusterHourSample } from '../kubernetes';

/**
 * History of an EKS cluster for the agentless back-fill. The Kubernetes API keeps no history; CloudWatch
 * Container Insights does, when the customer enabled it (the `amazon-cloudwatch-observability` add-on).
 * Hourly figures per cluster (namespace `ContainerInsights`, dimension `ClusterName`, period 1 h):
 *
 *   nodes               = Average(cluster_node_count)
 *   capacity CPU        = Average(node_cpu_limit) x nodes                  (millicores)
 *   used / requested    = capacity x Average(node_cpu_utilization | node_cpu_reserved_capacity) / 100
 *   memory              = the same with node_memory_limit (bytes -> MiB) and node_memory_*
 *
 * The node mix of an hour is today's mix (running instances of the cluster) scaled to the hour's node
 * count, so history is priced like today. Workload history is not back-filled this way (empty
 * `workloads`). No data points at all (Container Insights off) = `null`: nothing to back-fill.
 */

const hourMs = 3_600_000;

const metric = (id: string, metricName: string, clusterName: string): MetricQuery => ({
  id,
  namespace: 'ContainerInsights',
  metricName,
  dimensions: { ClusterName: clusterName },
  stat: 'Average',
  periodSeconds: 3600,
});

export async function containerInsightsHistory(
  cloud: CustomerCloudPort,
  target: CloudTarget,
  cluster: EksCluster,
  from: Date,
  to: Date,
): Promise<ClusterHourSample[] | null> {
  const queries = [
    metric('nodes', 'cluster_node_count', cluster.name),
    metric('cpulimit', 'node_cpu_limit', cluster.name),
    metric('cpuused', 'node_cpu_utilization', cluster.name),
    metric('cpureq', 'node_cpu_reserved_capacity', cluster.name),
    metric('memlimit', 'node_memory_limit', cluster.name),
    metric('memused', 'node_memory_utilization', cluster.name),
    metric('memreq', 'node_memory_reserved_capacity', cluster.name),
  ];
  const series = await cloud.getMetricData(target, queries, from, to);
  const byId = new Map(
    series.map((s) => [
      s.id,
      new Map(
        s.points.map((p) => [
          new Date(Math.floor(Date.parse(p.timestamp) / hourMs) * hourMs).toISOString(),
          p.value,
        ]),
      ),
    ]),
  );
  const nodes = byId.get('nodes');
  if (!nodes || nodes.size === 0) return null;

  const instances = await cloud.describeInstances(target);
  const mix = new Map<string, { instanceType: string; capacityType: CapacityType; count: number }>();
  for (const i of instances) {
    if (i.clusterName !== cluster.name || i.state !== 'running') continue;
    const key = `${i.instanceType}|${i.capacityType}`;
    const m = mix.get(key) ?? { instanceType: i.instanceType, capacityType: i.capacityType, count: 0 };
    m.count += 1;
    mix.set(key, m);
  }
  const mixTotal = [...mix.values()].reduce((s, m) => s + m.count, 0);
  const value = (id: string, hour: string) => byId.get(id)?.get(hour) ?? null;

  const samples: ClusterHourSample[] = [];
  for (let t = Math.ceil(from.getTime() / hourMs) * hourMs; t < to.getTime(); t += hourMs) {
    const hour = new Date(t).toISOString();
    const nodeCount = value('nodes', hour);
    if (nodeCount === null) continue;
    const cpuCapacity = (value('cpulimit', hour) ?? 0) * nodeCount;
    const memCapacity = ((value('memlimit', hour) ?? 0) / 2 ** 20) * nodeCount;
    const share = (id: string) => (value(id, hour) ?? 0) / 100;
    samples.push({
      hour,
      capacityCpuMilli: cpuCapacity,
      requestedCpuMilli: cpuCapacity * share('cpureq'),
      usedCpuMilli: cpuCapacity * share('cpuused'),
      capacityMemoryMiB: memCapacity,
      requestedMemoryMiB: memCapacity * share('memreq'),
      usedMemoryMiB: memCapacity * share('memused'),
      nodes:
        mixTotal === 0
          ? []
          : [...mix.values()].map((m) => ({
              ...m,
              count: Math.round((m.count / mixTotal) * nodeCount * 100) / 100,
            })),
      podChurn: 0,
      apiRequestRate: 0,
      apiLatencyP99Ms: null,
      pressureEvents: 0,
      spotInterruptions: 0,
      workloads: [],
    });
  }
  return samples.length ? samples : null;
}
