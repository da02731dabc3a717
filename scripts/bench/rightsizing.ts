/**
 * Rightsizing benchmark on real VM utilization (Bitbrains GWA-T-12 "Rnd", August 2013, 100 VMs, hourly;
 * Shen, van Beek, Iosup, CCGrid 2015). Recommends from the first 14 days, then measures on the next 14:
 * - the share of hours whose usage exceeds the recommendation (CPU and memory separately);
 * - the saving against the original allocation, i.e. the VM's provisioned capacity (`cpu_cores`,
 *   `mem_provisioned_mib`), which plays the role of the container's current request;
 * for our recommender (p95 x 1.2 / peak x 1.2, floors, severity threshold) and a VPA-style baseline
 * (decaying histogram, p90 x 1.15, daily memory peaks x 1.15).
 *
 * Usage samples: CPU = hourly mean usage in millicores (`cpu_usage_pct_mean` x cores x 10); memory = hourly
 * max of active memory (`mem_usage_mib_max`). Rows with `cpu_cores` = 0 are missing data and skipped.
 * Prices: an m5.large (2 vCPU, 8 GiB, $0.096/h on-demand us-east-1, Karpenter's table 2026-07) split with
 * the default memory/CPU price ratio 0.1: $0.0343 per vCPU-h, $0.00343 per GiB-h.
 *
 * `npm run bench rightsizing` or `npx tsx scripts/bench/rightsizing.ts`. Measures; never fails on a figure.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  recommendContainer,
  requestDeltaMonthlySavingUsd,
  rightsizingPolicySchema,
  type UnitPrices,
  unitPricesFromNodes,
  vpaBaselineRecommendation,
} from '@spot/shared/savings/index';

const DATA = fileURLToPath(
  new URL('../../shared/data/vm_utilization/bitbrains_rnd_2013-08_hourly_100vms.csv.gz', import.meta.url),
);
const HOUR_MS = 3_600_000;
const TRAIN_HOURS = 14 * 24;
const TEST_HOURS = 14 * 24;

interface Row {
  hourMs: number;
  cores: number;
  cpuMeanMilli: number;
  cpuP95Milli: number;
  memProvisionedMiB: number;
  memMaxMiB: number;
}

function load(): Map<number, Row[]> {
  const text = gunzipSync(readFileSync(DATA)).toString('utf8');
  const lines = text.split('\n');
  const header = (lines[0] ?? '').split(',');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`column ${name} missing in ${DATA}`);
    return i;
  };
  const c = {
    vm: col('vm_id'),
    hour: col('hour_start_unix'),
    cores: col('cpu_cores'),
    cpuMean: col('cpu_usage_pct_mean'),
    cpuP95: col('cpu_usage_pct_p95'),
    memProv: col('mem_provisioned_mib'),
    memMax: col('mem_usage_mib_max'),
  };
  const vms = new Map<number, Row[]>();
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const f = line.split(',').map(Number);
    const cores = f[c.cores] ?? 0;
    if (!(cores > 0)) continue; // documented caveat: cpu_cores = 0 rows are missing data
    const vm = f[c.vm] ?? 0;
    const row: Row = {
      hourMs: (f[c.hour] ?? 0) * 1000,
      cores,
      cpuMeanMilli: ((f[c.cpuMean] ?? 0) / 100) * cores * 1000,
      cpuP95Milli: ((f[c.cpuP95] ?? 0) / 100) * cores * 1000,
      memProvisionedMiB: f[c.memProv] ?? 0,
      memMaxMiB: f[c.memMax] ?? 0,
    };
    const list = vms.get(vm);
    if (list) list.push(row);
    else vms.set(vm, [row]);
  }
  return vms;
}

interface Tally {
  cpuHours: number;
  cpuOverMean: number;
  cpuOverP95: number;
  memHours: number;
  memOver: number;
  perVmCpuShare: number[];
  perVmMemShare: number[];
  cpuMilliNew: number;
  memMiBNew: number;
  monthlySavingUsd: number;
  appliedMonthlySavingUsd: number;
  appliedCount: number;
  raisedCount: number;
}

const newTally = (): Tally => ({
  cpuHours: 0,
  cpuOverMean: 0,
  cpuOverP95: 0,
  memHours: 0,
  memOver: 0,
  perVmCpuShare: [],
  perVmMemShare: [],
  cpuMilliNew: 0,
  memMiBNew: 0,
  monthlySavingUsd: 0,
  appliedMonthlySavingUsd: 0,
  appliedCount: 0,
  raisedCount: 0,
});

function score(
  tally: Tally,
  rec: { cpuMilli: number; memoryMiB: number },
  original: { cpuMilli: number; memoryMiB: number },
  test: readonly Row[],
  prices: UnitPrices,
  applied: boolean,
): void {
  let cpuOver = 0;
  let memOver = 0;
  for (const r of test) {
    if (r.cpuMeanMilli > rec.cpuMilli) cpuOver += 1;
    if (r.cpuP95Milli > rec.cpuMilli) tally.cpuOverP95 += 1;
    if (r.memMaxMiB > rec.memoryMiB) memOver += 1;
  }
  tally.cpuHours += test.length;
  tally.memHours += test.length;
  tally.cpuOverMean += cpuOver;
  tally.memOver += memOver;
  tally.perVmCpuShare.push(cpuOver / test.length);
  tally.perVmMemShare.push(memOver / test.length);
  tally.cpuMilliNew += rec.cpuMilli;
  tally.memMiBNew += rec.memoryMiB;
  const saving = requestDeltaMonthlySavingUsd(
    { cpuMilli: original.cpuMilli - rec.cpuMilli, memoryMiB: original.memoryMiB - rec.memoryMiB },
    1,
    prices,
  );
  tally.monthlySavingUsd += saving;
  if (rec.cpuMilli > original.cpuMilli || rec.memoryMiB > original.memoryMiB) tally.raisedCount += 1;
  if (applied) {
    tally.appliedMonthlySavingUsd += saving;
    tally.appliedCount += 1;
  }
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const usd = (x: number) => `$${x.toFixed(0)}`;
const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

export async function run(): Promise<void> {
  const started = performance.now();
  const vms = load();
  const prices = unitPricesFromNodes([
    { hourlyPriceUsd: 0.096, allocatableCpuMilli: 2000, allocatableMemoryMiB: 8192 },
  ]);
  const policy = rightsizingPolicySchema.parse({ headroomPercent: 20, severityThresholdMonthlyUsd: 10 });
  const t0 = Math.min(...[...vms.values()].flatMap((rows) => rows.map((r) => r.hourMs)));
  const trainEnd = t0 + TRAIN_HOURS * HOUR_MS;
  const testEnd = trainEnd + TEST_HOURS * HOUR_MS;

  const ours = newTally();
  const vpa = newTally();
  let originalCpuMilli = 0;
  let originalMemMiB = 0;
  let vmCount = 0;
  for (const rows of vms.values()) {
    const train = rows.filter((r) => r.hourMs >= t0 && r.hourMs < trainEnd);
    const test = rows.filter((r) => r.hourMs >= trainEnd && r.hourMs < testEnd);
    if (train.length < 24 || test.length < 24) continue;
    vmCount += 1;
    const original = {
      cpuMilli: Math.max(...rows.map((r) => r.cores)) * 1000,
      memoryMiB: Math.max(...rows.map((r) => r.memProvisionedMiB)),
    };
    originalCpuMilli += original.cpuMilli;
    originalMemMiB += original.memoryMiB;

    const rec = recommendContainer(
      {
        namespace: 'bitbrains',
        workload: 'vm',
        container: 'vm',
        replicas: 1,
        cpuRequestMilli: original.cpuMilli,
        memoryRequestMiB: original.memoryMiB,
        cpuUsageMilli: train.map((r) => r.cpuMeanMilli),
        memoryWorkingSetMiB: train.map((r) => r.memMaxMiB),
        oomKills: [],
        hpaScaledResources: [],
      },
      policy,
      prices,
    );
    score(
      ours,
      { cpuMilli: rec.cpu.recommendedMilli, memoryMiB: rec.memory.recommendedMiB },
      original,
      test,
      prices,
      rec.status === 'apply',
    );

    const base = vpaBaselineRecommendation(
      {
        samples: train.map((r) => ({
          timeEpochMs: r.hourMs,
          cpuMilli: r.cpuMeanMilli,
          memoryWorkingSetMiB: r.memMaxMiB,
        })),
      },
      new Date(trainEnd),
    );
    const baseRec = {
      cpuMilli: base.cpuMilli ?? original.cpuMilli,
      memoryMiB: base.memoryMiB ?? original.memoryMiB,
    };
    const baseSaving = requestDeltaMonthlySavingUsd(
      { cpuMilli: original.cpuMilli - baseRec.cpuMilli, memoryMiB: original.memoryMiB - baseRec.memoryMiB },
      1,
      prices,
    );
    score(vpa, baseRec, original, test, prices, baseSaving > policy.severityThresholdMonthlyUsd);
  }

  const originalMonthlyUsd = requestDeltaMonthlySavingUsd(
    { cpuMilli: originalCpuMilli, memoryMiB: originalMemMiB },
    1,
    prices,
  );
  console.log(
    `data: ${DATA.replace(/.*\/shared\//, 'shared/')}; ${vmCount} VMs; train ${new Date(t0).toISOString()} + 14 d, test next 14 d`,
  );
  console.log(
    `original allocation (provisioned capacity): ${(originalCpuMilli / 1000).toFixed(0)} vCPU, ${(originalMemMiB / 1024).toFixed(0)} GiB = ${usd(originalMonthlyUsd)}/month at $${prices.cpuCoreHourlyUsd.toFixed(4)}/vCPU-h + $${prices.memoryGiBHourlyUsd.toFixed(5)}/GiB-h`,
  );
  const rows: [string, (t: Tally) => string][] = [
    ['CPU hours with hourly mean > request', (t) => pct(t.cpuOverMean / t.cpuHours)],
    ['CPU hours with in-hour p95 > request', (t) => pct(t.cpuOverP95 / t.cpuHours)],
    ['median VM: CPU hours over', (t) => pct(medianOf(t.perVmCpuShare))],
    ['VMs with > 5 % CPU hours over', (t) => String(t.perVmCpuShare.filter((s) => s > 0.05).length)],
    ['memory hours with hourly max > request', (t) => pct(t.memOver / t.memHours)],
    ['VMs with > 5 % memory hours over', (t) => String(t.perVmMemShare.filter((s) => s > 0.05).length)],
    [
      'recommended vCPU / GiB',
      (t) => `${(t.cpuMilliNew / 1000).toFixed(1)} / ${(t.memMiBNew / 1024).toFixed(1)}`,
    ],
    ['VMs whose recommendation raises CPU or memory', (t) => String(t.raisedCount)],
    [
      'saving vs original, all VMs',
      (t) => `${usd(t.monthlySavingUsd)}/month (${pct(t.monthlySavingUsd / originalMonthlyUsd)})`,
    ],
    [
      'saving, only above the $10/month threshold',
      (t) => `${usd(t.appliedMonthlySavingUsd)}/month on ${t.appliedCount} VMs`,
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`${''.padEnd(width)}  ${'ours (p95/peak x1.2)'.padEnd(28)}VPA-style (p90 x1.15, decay)`);
  for (const [label, f] of rows) console.log(`${label.padEnd(width)}  ${f(ours).padEnd(28)}${f(vpa)}`);
  console.log(`took ${(performance.now() - started).toFixed(0)} ms`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
