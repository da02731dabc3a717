/**
 * A cluster whose pod requests come from a real utilization trace (Bitbrains GWA-T-12 "Rnd", vendored in
 * `shared/data/vm_utilization/`): each pod is one VM-hour of the trace, requesting that hour's p95 CPU
 * (cores x p95 %) and its peak memory, as a rightsized container would. The shapes, their spread and the
 * many tiny idle workloads are the trace's; only the mapping to pods is ours. Pure over the CSV text
 * (the caller reads and gunzips the file).
 */
import { loadCatalog } from '../../pricing';
import { instanceTypesFromCatalog } from '../catalog-input';
import type { PackingProblemInput } from '../problem';

type PodInput = PackingProblemInput['pods'][number];

import { mulberry32 } from './synthetic-cluster';

export interface TraceRow {
  readonly vmId: string;
  readonly cpuCores: number;
  readonly cpuP95Pct: number;
  readonly memMaxMiB: number;
}

/** Rows of `bitbrains_rnd_2013-08_hourly_100vms.csv`; rows with no CPU capacity (missing) are dropped. */
export function parseTrace(csv: string): TraceRow[] {
  const [header, ...lines] = csv.trim().split('\n');
  const columns = (header ?? '').split(',');
  const col = (name: string) => {
    const at = columns.indexOf(name);
    if (at < 0) throw new Error(`trace: column ${name} missing`);
    return at;
  };
  const [vm, cores, p95, mem] = [
    col('vm_id'),
    col('cpu_cores'),
    col('cpu_usage_pct_p95'),
    col('mem_usage_mib_max'),
  ];
  const rows: TraceRow[] = [];
  for (const line of lines) {
    const cells = line.split(',');
    const row = {
      vmId: cells[vm] ?? '',
      cpuCores: Number(cells[cores]),
      cpuP95Pct: Number(cells[p95]),
      memMaxMiB: Number(cells[mem]),
    };
    if (row.cpuCores > 0 && Number.isFinite(row.cpuP95Pct) && Number.isFinite(row.memMaxMiB)) rows.push(row);
  }
  return rows;
}

export interface TraceClusterOptions {
  readonly pods: number;
  readonly seed: number;
}

/**
 * `pods` pods, each a VM-hour drawn (seeded) from the trace: CPU request = cores x p95 % (at least 50 m),
 * memory request = the hour's peak (at least 128 MiB); 70% spot-ready. Identical requests are merged into
 * one pod spec with a count. Full us-east-1 catalog, the synthetic cluster's daemonset overhead.
 */
export function traceCluster(rows: readonly TraceRow[], options: TraceClusterOptions): PackingProblemInput {
  if (rows.length === 0) throw new Error('trace: no usable rows');
  const random = mulberry32(options.seed);
  const specs = new Map<string, PodInput & { count: number }>();
  for (let n = 0; n < options.pods; n++) {
    const row = rows[Math.floor(random() * rows.length)] as TraceRow;
    // Requests rounded up to what people write (50 m, 128 MiB steps) so VM-hours share pod specs.
    const cpuMilli = Math.max(50, Math.ceil((row.cpuCores * 10 * row.cpuP95Pct) / 50) * 50);
    const memoryMiB = Math.max(128, Math.ceil(row.memMaxMiB / 128) * 128);
    const spotReady = random() < 0.7;
    const key = `${cpuMilli}|${memoryMiB}|${spotReady}`;
    const spec = specs.get(key);
    if (spec) spec.count++;
    else specs.set(key, { id: `trace-${specs.size}`, cpuMilli, memoryMiB, spotReady, count: 1 });
  }
  return {
    pods: [...specs.values()],
    instanceTypes: instanceTypesFromCatalog(loadCatalog(), { region: 'us-east-1' }),
    capacityTypes: ['on-demand', 'spot'],
    perNodeOverhead: { cpuMilli: 355, memoryMiB: 600, pods: 5 },
  };
}
