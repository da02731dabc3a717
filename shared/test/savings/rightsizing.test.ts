import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { UnitPrices } from '../../src/savings/cost';
import {
  type ContainerUsage,
  CPU_FLOOR_MILLI,
  MEMORY_FLOOR_MIB,
  recommendContainer,
  recommendCpuMilli,
  recommendMemoryMiB,
  rightsizeContainers,
  rightsizingPolicySchema,
} from '../../src/savings/rightsizing';
import { percentile } from '../../src/savings/stats';

// m5.large split: 0.096 / 2.8 per vCPU-h, a tenth of that per GiB-h
const prices: UnitPrices = { cpuCoreHourlyUsd: 0.096 / 2.8, memoryGiBHourlyUsd: 0.0096 / 2.8 };
const policy = rightsizingPolicySchema.parse({});

const usage = (overrides: Partial<ContainerUsage> = {}): ContainerUsage => ({
  namespace: 'shop',
  workload: 'checkout',
  container: 'app',
  replicas: 3,
  cpuRequestMilli: 1000,
  memoryRequestMiB: 2048,
  cpuUsageMilli: Array.from({ length: 100 }, (_, i) => i + 1),
  memoryWorkingSetMiB: [300, 420, 500, 380],
  oomKills: [],
  hpaScaledResources: [],
  ...overrides,
});

describe('rightsizing formulas', () => {
  it('uses the interpolated p95 of CPU usage plus headroom', () => {
    // 1..100: rank 0.95 x 99 = 94.05 -> 95.05; x 1.2 = 114.06 -> 115 m
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.95,
      ),
    ).toBeCloseTo(95.05, 12);
    expect(
      recommendCpuMilli(
        Array.from({ length: 100 }, (_, i) => i + 1),
        20,
      ),
    ).toBe(115);
    expect(recommendCpuMilli([], 20)).toBeNull();
  });

  it('uses the peak working set plus headroom, raised by the VPA OOM rule', () => {
    expect(recommendMemoryMiB([300, 500], 20)).toEqual({
      recommendedMiB: 600,
      peakMiB: 500,
      oomBumpMiB: null,
    });
    // OOM at a 512 MiB limit: used = max(500, 512); max(512 + 100, 512 x 1.2 = 614.4) -> 615 > 600
    expect(recommendMemoryMiB([300, 500], 20, [{ memoryAtKillMiB: 512 }])).toEqual({
      recommendedMiB: 615,
      peakMiB: 500,
      oomBumpMiB: 615,
    });
    // small container: +100 MiB dominates: max(200 + 100, 240) = 300
    expect(recommendMemoryMiB([150], 20, [{ memoryAtKillMiB: 200 }])?.recommendedMiB).toBe(300);
    // an OOM bump below the headroom figure changes nothing
    expect(recommendMemoryMiB([1000], 50, [{ memoryAtKillMiB: 100 }])?.recommendedMiB).toBe(1500);
  });

  it('never goes below 10 m and 64 MiB', () => {
    const r = recommendContainer(usage({ cpuUsageMilli: [1, 2], memoryWorkingSetMiB: [10] }), policy, prices);
    expect(r.cpu.recommendedMilli).toBe(CPU_FLOOR_MILLI);
    expect(r.cpu.floorApplied).toBe(true);
    expect(r.memory.recommendedMiB).toBe(MEMORY_FLOOR_MIB);
    expect(r.memory.floorApplied).toBe(true);
  });
});

describe('container recommendation', () => {
  it('prices the request delta x unit price x 730 x replicas', () => {
    const r = recommendContainer(usage(), policy, prices);
    expect(r.cpu.recommendedMilli).toBe(115);
    expect(r.memory.recommendedMiB).toBe(600);
    // cpu: 0.885 cores x 0.0342857 = 0.0303429; mem: 1448 / 1024 GiB x 0.00342857 = 0.0048482
    // (0.0303429 + 0.0048482) x 730 x 3 = 77.0685 USD/month
    expect(r.monthlySavingUsd).toBeCloseTo(77.0685, 3);
    expect(r.status).toBe('apply');
  });

  it('applies only above the severity threshold', () => {
    const small = recommendContainer(
      usage({ replicas: 1 }),
      { ...policy, severityThresholdMonthlyUsd: 30 },
      prices,
    );
    expect(small.monthlySavingUsd).toBeCloseTo(77.0685 / 3, 3);
    expect(small.status).toBe('below-threshold');
    const exact = recommendContainer(usage(), { ...policy, severityThresholdMonthlyUsd: 80 }, prices);
    expect(exact.status).toBe('below-threshold');
  });

  it('leaves the resource an HPA scales on alone', () => {
    const r = recommendContainer(usage({ hpaScaledResources: ['cpu'] }), policy, prices);
    expect(r.cpu).toMatchObject({ recommendedMilli: 1000, currentMilli: 1000, skipped: 'hpa-scaled' });
    expect(r.memory.recommendedMiB).toBe(600);
    // only memory: 1448 / 1024 x 0.00342857 x 730 x 3
    expect(r.monthlySavingUsd).toBeCloseTo((1448 / 1024) * (0.0096 / 2.8) * 730 * 3, 9);
    const both = recommendContainer(usage({ hpaScaledResources: ['cpu', 'memory'] }), policy, prices);
    expect(both.status).toBe('no-change');
    expect(both.monthlySavingUsd).toBe(0);
  });

  it('reports under-provisioned containers with a negative saving and never applies them', () => {
    const r = recommendContainer(usage({ cpuRequestMilli: 50, memoryRequestMiB: 256 }), policy, prices);
    expect(r.monthlySavingUsd).toBeLessThan(0);
    expect(r.status).toBe('below-threshold');
  });

  it('sums only applied recommendations', () => {
    const report = rightsizeContainers(
      [usage(), usage({ container: 'sidecar', replicas: 1, cpuRequestMilli: 130, memoryRequestMiB: 700 })],
      policy,
      prices,
    );
    expect(report.applyCount).toBe(1);
    expect(report.belowThresholdCount).toBe(1);
    expect(report.monthlySavingUsd).toBeCloseTo(77.0685, 3);
  });

  it('never recommends below the floors nor a change on an HPA-scaled resource', () => {
    const arb = fc.record({
      cpuRequestMilli: fc.nat(16_000),
      memoryRequestMiB: fc.nat(65_536),
      replicas: fc.integer({ min: 1, max: 50 }),
      cpu: fc.array(fc.double({ min: 0, max: 16_000, noNaN: true }), { maxLength: 40 }),
      mem: fc.array(fc.double({ min: 0, max: 65_536, noNaN: true }), { maxLength: 40 }),
      ooms: fc.array(fc.record({ memoryAtKillMiB: fc.double({ min: 0, max: 65_536, noNaN: true }) }), {
        maxLength: 3,
      }),
      hpa: fc.subarray(['cpu', 'memory'] as ('cpu' | 'memory')[]),
      headroomPercent: fc.integer({ min: 0, max: 100 }),
      threshold: fc.double({ min: 0, max: 100, noNaN: true }),
    });
    fc.assert(
      fc.property(arb, (a) => {
        const r = recommendContainer(
          usage({
            cpuRequestMilli: a.cpuRequestMilli,
            memoryRequestMiB: a.memoryRequestMiB,
            replicas: a.replicas,
            cpuUsageMilli: a.cpu,
            memoryWorkingSetMiB: a.mem,
            oomKills: a.ooms,
            hpaScaledResources: a.hpa,
          }),
          { headroomPercent: a.headroomPercent, severityThresholdMonthlyUsd: a.threshold },
          prices,
        );
        if (a.hpa.includes('cpu')) expect(r.cpu.recommendedMilli).toBe(a.cpuRequestMilli);
        else if (a.cpu.length > 0) expect(r.cpu.recommendedMilli).toBeGreaterThanOrEqual(CPU_FLOOR_MILLI);
        if (a.hpa.includes('memory')) expect(r.memory.recommendedMiB).toBe(a.memoryRequestMiB);
        else if (a.mem.length > 0) {
          expect(r.memory.recommendedMiB).toBeGreaterThanOrEqual(MEMORY_FLOOR_MIB);
          expect(r.memory.recommendedMiB).toBeGreaterThanOrEqual(Math.max(...a.mem));
        }
        if (r.status === 'apply') expect(r.monthlySavingUsd).toBeGreaterThan(a.threshold);
      }),
    );
  });
});
