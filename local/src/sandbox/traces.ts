/**
 * Real utilization shapes for the sandbox's workloads: the Bitbrains GWA-T-12 "Rnd" VMs (August 2013,
 * 100 VMs x 720 hours; `shared/data/vm_utilization/README.txt`; Shen, van Beek, Iosup, CCGrid 2015).
 *
 * Each VM becomes a shape: per hour, its CPU and memory use divided by the VM's own mean, so a workload
 * scales the shape to its own size. A sandbox hour is mapped to a trace hour with the same local weekday
 * and hour (the VMs ran in the Netherlands; the trace starts Thursday 2013-08-01 00:00 Europe/Amsterdam),
 * so the traces' own daily and weekly rhythm lines up with the cluster's local time; the week is chosen
 * by the week number, so four or five different real weeks loop.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { repoRoot } from '../paths';

export const TRACE_FILE = join(
  repoRoot,
  'shared/data/vm_utilization/bitbrains_rnd_2013-08_hourly_100vms.csv.gz',
);
export const TRACE_HOURS = 720;
/** Hour of the week (Monday 00:00 = 0) of the trace's first hour: Thursday 00:00 local. */
const TRACE_START_HOUR_OF_WEEK = 72;
/** A VM needs this many valid hours and this mean CPU to be a usable shape (near-zero means are noise). */
const MIN_VALID_HOURS = 600;
const MIN_MEAN_CPU_PCT = 0.5;

export interface UtilizationTrace {
  vmId: number;
  /** Mean CPU use over the month, % of the VM's capacity (for documentation and tests). */
  meanCpuPct: number;
  /** Hourly mean CPU / the VM's monthly mean, clipped to [0.05, 5]. */
  cpuShape: Float32Array;
  /** Hourly max CPU / hourly mean CPU, clipped to [1, 4]: how spiky the hour was. */
  cpuPeakRatio: Float32Array;
  /** Hourly max active memory / the VM's monthly mean, clipped to [0.4, 2]. */
  memoryShape: Float32Array;
}

let cached: readonly UtilizationTrace[] | undefined;

/** The usable VM shapes, parsed once (about 100 ms). */
export function utilizationTraces(file = TRACE_FILE): readonly UtilizationTrace[] {
  if (cached && file === TRACE_FILE) return cached;
  const traces = parseTraces(gunzipSync(readFileSync(file)).toString('utf8'));
  if (file === TRACE_FILE) cached = traces;
  return traces;
}

interface RawVm {
  cpu: Float64Array;
  cpuMax: Float64Array;
  memory: Float64Array;
  valid: Uint8Array;
}

export function parseTraces(csv: string): UtilizationTrace[] {
  const lines = csv.split('\n');
  const header = (lines[0] ?? '').split(',');
  const column = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`column ${name} is missing from the utilization trace`);
    return index;
  };
  const c = {
    vm: column('vm_id'),
    hour: column('hour_start_unix'),
    cores: column('cpu_cores'),
    cpu: column('cpu_usage_pct_mean'),
    cpuMax: column('cpu_usage_pct_max'),
    memory: column('mem_usage_mib_max'),
  };
  let firstHour = Number.POSITIVE_INFINITY;
  const rows: number[][] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const fields = line.split(',').map(Number);
    rows.push(fields);
    firstHour = Math.min(firstHour, fields[c.hour] ?? Number.POSITIVE_INFINITY);
  }
  const vms = new Map<number, RawVm>();
  for (const fields of rows) {
    const vmId = fields[c.vm] ?? 0;
    const index = Math.round(((fields[c.hour] ?? 0) - firstHour) / 3600);
    if (index < 0 || index >= TRACE_HOURS) continue;
    // README caveat: rows with cpu_cores = 0 are missing data.
    if (!((fields[c.cores] ?? 0) > 0)) continue;
    let vm = vms.get(vmId);
    if (!vm) {
      vm = {
        cpu: new Float64Array(TRACE_HOURS),
        cpuMax: new Float64Array(TRACE_HOURS),
        memory: new Float64Array(TRACE_HOURS),
        valid: new Uint8Array(TRACE_HOURS),
      };
      vms.set(vmId, vm);
    }
    vm.cpu[index] = fields[c.cpu] ?? 0;
    vm.cpuMax[index] = fields[c.cpuMax] ?? 0;
    vm.memory[index] = fields[c.memory] ?? 0;
    vm.valid[index] = 1;
  }
  const traces: UtilizationTrace[] = [];
  for (const [vmId, vm] of [...vms.entries()].sort((a, b) => a[0] - b[0])) {
    let hours = 0;
    let cpuSum = 0;
    let memorySum = 0;
    for (let i = 0; i < TRACE_HOURS; i++) {
      if (!vm.valid[i]) continue;
      hours++;
      cpuSum += vm.cpu[i] ?? 0;
      memorySum += vm.memory[i] ?? 0;
    }
    const meanCpu = hours ? cpuSum / hours : 0;
    const meanMemory = hours ? memorySum / hours : 0;
    if (hours < MIN_VALID_HOURS || meanCpu < MIN_MEAN_CPU_PCT || meanMemory <= 0) continue;
    const cpuShape = new Float32Array(TRACE_HOURS).fill(1);
    const cpuPeakRatio = new Float32Array(TRACE_HOURS).fill(1.5);
    const memoryShape = new Float32Array(TRACE_HOURS).fill(1);
    for (let i = 0; i < TRACE_HOURS; i++) {
      if (!vm.valid[i]) continue;
      const cpu = vm.cpu[i] ?? 0;
      cpuShape[i] = clip(cpu / meanCpu, 0.05, 5);
      cpuPeakRatio[i] = cpu > 0 ? clip((vm.cpuMax[i] ?? 0) / cpu, 1, 4) : 1;
      memoryShape[i] = clip((vm.memory[i] ?? 0) / meanMemory, 0.4, 2);
    }
    traces.push({ vmId, meanCpuPct: meanCpu, cpuShape, cpuPeakRatio, memoryShape });
  }
  return traces;
}

const clip = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/**
 * The trace hour for a local hour of the week (Monday 00:00 = 0) in local week number `week`, shifted
 * by `weekShift` weeks: the same weekday and hour, one of the four or five real weeks of the trace.
 */
export function traceHourIndex(hourOfWeek: number, week: number, weekShift: number): number {
  const first = (((hourOfWeek - TRACE_START_HOUR_OF_WEEK) % 168) + 168) % 168;
  const weeks = first + 4 * 168 < TRACE_HOURS ? 5 : 4;
  return first + 168 * ((((week + weekShift) % weeks) + weeks) % weeks);
}
