import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exemptionOf } from '../../src/model/agent-command';
import { CPU_FLOOR_MILLI, MEMORY_FLOOR_MIB } from '../../src/savings/rightsizing';
import {
  containerPatchesOf,
  type PatchCandidate,
  type PatchPolicy,
  planWorkloadPatches,
  rollbackDecision,
  rolloutWindowMs,
} from '../../src/savings/workload-patches';

/**
 * Invariants of the workload-patch planner (ADR 0043) over random inventories and policies: it never
 * patches an exempt workload, never changes a request an HPA scales on, never sets a request below the
 * recommendation's floor, never rolls a workload out twice in the window, and rolls back exactly when
 * OOM kills or restarts rise above the baseline.
 */

const now = new Date('2026-12-06T12:00:00Z');
const namespaces = ['shop', 'kube-system', 'batch', 'payments'];

const candidate: fc.Arbitrary<PatchCandidate> = fc
  .record({
    namespace: fc.constantFrom(...namespaces),
    kind: fc.constantFrom('Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'),
    name: fc.constantFrom('web', 'api', 'db', 'worker'),
    replicas: fc.integer({ min: 0, max: 12 }),
    team: fc.constantFrom('core', 'data', undefined),
    unmanaged: fc.option(fc.constant('annotated spot.io/exclude'), { nil: null }),
    hpa: fc.subarray(['cpu', 'memory'] as const),
    spotReady: fc.boolean(),
    requestCpuMilli: fc.integer({ min: 0, max: 8000 }),
    requestMemoryMiB: fc.integer({ min: 0, max: 32_768 }),
    cpuLimitRatio: fc.option(fc.double({ min: 1, max: 4, noNaN: true }), { nil: null }),
    memLimitRatio: fc.option(fc.double({ min: 1, max: 4, noNaN: true }), { nil: null }),
    rec: fc.option(
      fc.record({
        recommendedCpuMilli: fc.double({ min: 0, max: 8000, noNaN: true }),
        recommendedMemoryMiB: fc.double({ min: 0, max: 32_768, noNaN: true }),
        monthlySavingUsd: fc.double({ min: -200, max: 2000, noNaN: true }),
      }),
      { nil: null },
    ),
    rolledOutAgoMs: fc.option(fc.integer({ min: 0, max: 3 * rolloutWindowMs }), { nil: null }),
  })
  .map((r) => ({
    namespace: r.namespace,
    kind: r.kind,
    name: r.name,
    replicas: r.replicas,
    labels: (r.team ? { app: r.name, team: r.team } : { app: r.name }) as Record<string, string>,
    unmanagedReason: r.unmanaged,
    hpaScaledResources: r.hpa,
    spotReady: r.spotReady,
    requestCpuMilli: r.requestCpuMilli,
    requestMemoryMiB: r.requestMemoryMiB,
    limitCpuMilli: r.cpuLimitRatio === null ? null : r.requestCpuMilli * r.cpuLimitRatio,
    limitMemoryMiB: r.memLimitRatio === null ? null : r.requestMemoryMiB * r.memLimitRatio,
    rightsizing: r.rec,
    lastRolloutAt:
      r.rolledOutAgoMs === null ? null : new Date(now.getTime() - r.rolledOutAgoMs).toISOString(),
    appliedScheduling: null,
  }));

const policy: fc.Arbitrary<PatchPolicy> = fc.record({
  rightsizing: fc.record({
    mode: fc.constantFrom('off', 'recommendations', 'automatic') as fc.Arbitrary<
      PatchPolicy['rightsizing']['mode']
    >,
    severityThresholdUsdPerMonth: fc.integer({ min: 0, max: 500 }),
  }),
  spotRules: fc
    .record({
      spot: fc.constantFrom('force', 'prefer', 'none'),
      blockBurstableFamilies: fc.boolean(),
      enforceMultiAzSpread: fc.boolean(),
    })
    .map((s) => ({
      forceSpot: s.spot === 'force',
      preferSpot: s.spot === 'prefer',
      blockBurstableFamilies: s.blockBurstableFamilies,
      enforceMultiAzSpread: s.enforceMultiAzSpread,
    })),
  exemptions: fc.record({
    namespaces: fc.subarray(namespaces),
    labels: fc.subarray([{ key: 'team', value: 'data' }, { key: 'tier' }]),
  }),
});

const runs = { numRuns: 400 };

const key = (w: { namespace: string; kind: string; name: string }) => `${w.namespace}/${w.kind}/${w.name}`;
/** An inventory: one workload per namespace, kind and name, as the Workload items are keyed. */
const inventory = fc.uniqueArray(candidate, { maxLength: 12, selector: key });
describe('planWorkloadPatches', () => {
  it('never patches an exempt workload, nor one the inventory marks unmanaged', () => {
    fc.assert(
      fc.property(inventory, policy, (workloads, p) => {
        const plan = planWorkloadPatches(workloads, p, now);
        for (const patch of plan.patches) {
          const w = workloads.find((x) => key(x) === key(patch.workload));
          expect(w).toBeDefined();
          if (!w) continue;
          expect(exemptionOf(p.exemptions, w)).toBeNull();
          expect(w.unmanagedReason).toBeNull();
        }
      }),
      runs,
    );
  });

  it('never changes a request an HPA scales on', () => {
    fc.assert(
      fc.property(inventory, policy, (workloads, p) => {
        for (const patch of planWorkloadPatches(workloads, p, now).patches) {
          const w = workloads.find((x) => key(x) === key(patch.workload));
          if (w?.hpaScaledResources.includes('cpu'))
            expect(patch.after.requests.cpuMilli).toBe(patch.before.requests.cpuMilli);
          if (w?.hpaScaledResources.includes('memory'))
            expect(patch.after.requests.memoryMiB).toBe(patch.before.requests.memoryMiB);
        }
      }),
      runs,
    );
  });

  it('never lowers a request below the recommendation nor the floors, and resizes only in automatic mode above the threshold', () => {
    fc.assert(
      fc.property(inventory, policy, (workloads, p) => {
        for (const patch of planWorkloadPatches(workloads, p, now).patches.filter((x) => x.resizes)) {
          const w = workloads.find((x) => key(x) === key(patch.workload));
          const rec = w?.rightsizing;
          expect(p.rightsizing.mode).toBe('automatic');
          expect(rec).toBeTruthy();
          if (!rec) continue;
          expect(rec.monthlySavingUsd).toBeGreaterThan(p.rightsizing.severityThresholdUsdPerMonth);
          if (patch.after.requests.cpuMilli !== patch.before.requests.cpuMilli)
            expect(patch.after.requests.cpuMilli).toBeGreaterThanOrEqual(
              Math.max(CPU_FLOOR_MILLI, rec.recommendedCpuMilli),
            );
          if (patch.after.requests.memoryMiB !== patch.before.requests.memoryMiB)
            expect(patch.after.requests.memoryMiB).toBeGreaterThanOrEqual(
              Math.max(MEMORY_FLOOR_MIB, rec.recommendedMemoryMiB),
            );
          // A limit is never added, and never below its request.
          if (patch.before.limits.memoryMiB === null) expect(patch.after.limits.memoryMiB).toBeNull();
          else expect(patch.after.limits.memoryMiB).toBeGreaterThanOrEqual(patch.after.requests.memoryMiB);
        }
      }),
      runs,
    );
  });

  it('patches only Deployments and StatefulSets, each at most once, never twice in the window', () => {
    fc.assert(
      fc.property(inventory, policy, (workloads, p) => {
        const plan = planWorkloadPatches(workloads, p, now);
        const seen = new Set<string>();
        for (const patch of plan.patches) {
          expect(['Deployment', 'StatefulSet']).toContain(patch.workload.kind);
          const w = workloads.find((x) => key(x) === key(patch.workload));
          expect(seen.has(key(patch.workload))).toBe(false);
          seen.add(key(patch.workload));
          if (w?.lastRolloutAt)
            expect(now.getTime() - Date.parse(w.lastRolloutAt)).toBeGreaterThanOrEqual(rolloutWindowMs);
        }
      }),
      runs,
    );
  });

  it('splits a resize over the containers without going below the pod total', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.constantFrom('app', 'sidecar', 'proxy'),
            requestCpuMilli: fc.integer({ min: 0, max: 4000 }),
            requestMemoryMiB: fc.integer({ min: 0, max: 8192 }),
            limitCpuMilli: fc.option(fc.integer({ min: 1, max: 8000 }), { nil: null }),
            limitMemoryMiB: fc.option(fc.integer({ min: 1, max: 16_384 }), { nil: null }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.integer({ min: CPU_FLOOR_MILLI, max: 8000 }),
        fc.integer({ min: MEMORY_FLOOR_MIB, max: 16_384 }),
        (containers, cpuMilli, memoryMiB) => {
          const patches = containerPatchesOf(
            containers,
            { cpuMilli, memoryMiB },
            { cpu: true, memory: true },
          );
          expect(patches).toHaveLength(containers.length);
          const sum = (f: (p: (typeof patches)[number]) => number | undefined) =>
            patches.reduce((s, p) => s + (f(p) ?? 0), 0);
          expect(sum((p) => p.requests.cpuMilli)).toBeGreaterThanOrEqual(cpuMilli);
          expect(sum((p) => p.requests.memoryMiB)).toBeGreaterThanOrEqual(memoryMiB);
          patches.forEach((p, i) => {
            expect(Number.isInteger(p.requests.cpuMilli)).toBe(true);
            if (containers[i]?.limitMemoryMiB === null) expect(p.limits.memoryMiB).toBeUndefined();
            else expect(p.limits.memoryMiB).toBeGreaterThanOrEqual(p.requests.memoryMiB ?? 0);
          });
        },
      ),
      runs,
    );
  });
});

describe('rollbackDecision', () => {
  it('rolls back exactly when OOM kills or restarts rise above the baseline', () => {
    const counts = fc.record({ oomKills: fc.nat(20), restarts: fc.nat(20) });
    fc.assert(
      fc.property(counts, counts, (baseline, observed) => {
        const d = rollbackDecision(baseline, observed);
        expect(d.rollback).toBe(
          observed.oomKills > baseline.oomKills || observed.restarts > baseline.restarts,
        );
        expect(d.reason === null).toBe(!d.rollback);
      }),
      runs,
    );
  });
});
