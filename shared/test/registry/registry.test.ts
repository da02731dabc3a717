import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterListItem } from '../../src/model/cluster';
import { registrySortFields } from '../../src/model/cluster-registry';
import { defaultPolicy } from '../../src/model/policy';
import { mergePolicy } from '../../src/policy/merge';
import { type CompareSettings, compareClusters, weeklyGridText } from '../../src/registry/compare';
import {
  healthErrorRatioZero,
  healthFactorsText,
  healthScore,
  healthWeights,
} from '../../src/registry/health';
import { filterRegistry, pageAfter, sortRegistry, sortValue, topSpenderIds } from '../../src/registry/query';
import {
  decodeRegistryRow,
  encodeRegistryRow,
  environmentOf,
  registryItemOf,
  registryRowOf,
  registryTrendOf,
} from '../../src/registry/row';
import { registrySummary } from '../../src/registry/summary';

const now = new Date('2026-06-01T12:00:00Z');

function item(i: number, over: Partial<Parameters<typeof registryRowOf>[0]> = {}): ClusterListItem {
  const row = registryRowOf({
    clusterId: `eks-${String(i).padStart(4, '0')}`,
    name: `cluster-${i}`,
    accountId: i % 2 ? 'a1' : 'a2',
    region: ['us-east-1', 'eu-west-1'][i % 2] as string,
    kubernetesVersion: `1.${28 + (i % 7)}`,
    nodeCount: (i * 7) % 13,
    podCount: (i * 11) % 50,
    monthlyRunRateUsd: (i * 37) % 100,
    lastSyncedAt: new Date(now.getTime() - ((i * 13) % 200) * 60_000).toISOString(),
    ...over,
  });
  return registryItemOf(JSON.stringify(row), null, now) as ClusterListItem;
}

describe('registry paging (server-side sort and cursor)', () => {
  it('pages through any sort in any direction: every item once, in the sorted order (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom(...registrySortFields),
        fc.constantFrom('asc' as const, 'desc' as const),
        fc.integer({ min: 1, max: 17 }),
        (n, field, dir, limit) => {
          const items = Array.from({ length: n }, (_, i) => item(i));
          const sorted = sortRegistry(items, field, dir);
          const seen: string[] = [];
          let after = null;
          for (let guard = 0; guard < 100; guard++) {
            const page = pageAfter(sorted, field, dir, after, limit);
            seen.push(...page.items.map((i) => i.id));
            if (!page.hasMore) break;
            after = page.last;
          }
          expect(seen).toEqual(sorted.map((i) => i.id));
          expect(new Set(seen).size).toBe(n);
          // Nulls last, whatever the direction.
          const values = sorted.map((i) => sortValue(i, field));
          const firstNull = values.indexOf(null);
          if (firstNull >= 0) expect(values.slice(firstNull).every((v) => v === null)).toBe(true);
        },
      ),
    );
  });

  it('continues after a position even when that item is gone (clusters removed meanwhile)', () => {
    const items = Array.from({ length: 10 }, (_, i) => item(i));
    const sorted = sortRegistry(items, 'monthlyRunRateUsd', 'desc');
    const first = pageAfter(sorted, 'monthlyRunRateUsd', 'desc', null, 3);
    const without = sorted.filter((i) => i.id !== first.items.at(-1)?.id);
    const next = pageAfter(without, 'monthlyRunRateUsd', 'desc', first.last, 3);
    expect(next.items.map((i) => i.id)).toEqual(sorted.slice(3, 6).map((i) => i.id));
  });
});

describe('stored row', () => {
  it('decodes its compact format and the keyed one to the same row; refuses what is not a row', () => {
    const row = registryRowOf({
      clusterId: 'eks-1',
      name: 'a',
      accountId: 'x',
      region: 'us-east-1',
      kubernetesVersion: '1.31',
      nodeCount: 3,
      monthlyRunRateUsd: 10,
      tags: { env: 'prod' },
    });
    expect(decodeRegistryRow(encodeRegistryRow(row))).toEqual(row);
    expect(decodeRegistryRow(JSON.stringify(row))).toEqual(row);
    expect(encodeRegistryRow(row).length).toBeLessThan(JSON.stringify(row).length * 0.7);
    for (const bad of ['', 'nope', '[2,"x"]', '{"name":1}']) expect(decodeRegistryRow(bad)).toBeNull();
  });
});

describe('registry filters', () => {
  it('takes the top 10 % spenders, at least one', () => {
    const items = Array.from({ length: 25 }, (_, i) => item(i));
    const top = topSpenderIds(items);
    expect(top.size).toBe(3);
    const threshold = Math.min(...items.filter((i) => top.has(i.id)).map((i) => i.monthlyRunRateUsd));
    expect(items.filter((i) => !top.has(i.id)).every((i) => i.monthlyRunRateUsd <= threshold)).toBe(true);
    expect(topSpenderIds([item(1)]).size).toBe(1);
  });

  it('searches name, id, tags and region in any case', () => {
    const items = [item(1, { tags: { Team: 'Payments' } }), item(2), item(3)];
    expect(filterRegistry(items, { q: 'payments' }).map((i) => i.id)).toEqual(['eks-0001']);
    expect(filterRegistry(items, { q: 'EU-WEST' }).map((i) => i.id)).toEqual(['eks-0001', 'eks-0003']);
    expect(filterRegistry(items, { q: '0003' }).map((i) => i.id)).toEqual(['eks-0003']);
    expect(filterRegistry(items, { tag: 'Team=Payments' }).map((i) => i.id)).toEqual(['eks-0001']);
  });

  it('reads the environment from a tag first, then from the name', () => {
    expect(environmentOf({ Environment: 'Production' }, 'x')).toBe('prod');
    expect(environmentOf({}, 'payments-staging-eu')).toBe('staging');
    expect(environmentOf({ env: 'dev' }, 'shop-prod')).toBe('dev');
    expect(environmentOf({}, 'product-catalog')).toBeNull();
  });
});

describe('health score', () => {
  const ago = (minutes: number | null) =>
    minutes === null ? null : new Date(now.getTime() - minutes * 60_000).toISOString();
  const inputArb = fc.record({
    apiLatencyP99Ms: fc.option(fc.double({ min: 0, max: 10_000, noNaN: true }), { nil: null }),
    latencyObjectiveP99Ms: fc.constantFrom(250, 1000, 2000),
    apiErrorRatio: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
    lastContactAt: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null }).map(ago),
  });

  it('stays within 0-100 and is monotone in latency and in the error ratio (property)', () => {
    fc.assert(
      fc.property(inputArb, fc.double({ min: 0, max: 0.2, noNaN: true }), (input, more) => {
        const h = healthScore(input, now);
        expect(h.score).toBeGreaterThanOrEqual(0);
        expect(h.score).toBeLessThanOrEqual(100);
        for (const f of [h.factors.latency, h.factors.errors, h.factors.heartbeat])
          if (f !== null) expect(f >= 0 && f <= 100).toBe(true);
        expect(h.status).toBe(h.score >= 70 ? 'healthy' : 'degraded');
        if (input.apiLatencyP99Ms !== null)
          expect(
            healthScore({ ...input, apiLatencyP99Ms: input.apiLatencyP99Ms + 100 }, now).score,
          ).toBeLessThanOrEqual(h.score);
        if (input.apiErrorRatio !== null) {
          const worse = healthScore(
            { ...input, apiErrorRatio: Math.min(1, input.apiErrorRatio + more) },
            now,
          );
          expect(worse.score).toBeLessThanOrEqual(h.score);
          expect(worse.factors.errors as number).toBeLessThanOrEqual(h.factors.errors as number);
        }
      }),
    );
  });

  it('scores the error ratio 100 at none, 0 from 5 %, linear between (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (ratio) => {
        const errors = healthScore(
          { apiLatencyP99Ms: null, latencyObjectiveP99Ms: 1000, apiErrorRatio: ratio, lastContactAt: null },
          now,
        ).factors.errors;
        expect(errors).toBe(Math.round(ratio >= healthErrorRatioZero ? 0 : 100 * (1 - ratio / 0.05)));
      }),
    );
    const factor = (apiErrorRatio: number) =>
      healthScore(
        { apiLatencyP99Ms: null, latencyObjectiveP99Ms: 1000, apiErrorRatio, lastContactAt: null },
        now,
      ).factors.errors;
    expect([0, 0.01, 0.03, 0.05, 0.5].map(factor)).toEqual([100, 80, 40, 0, 0]);
  });

  it('renormalises over the measured factors: the score is their weighted mean, within their range (property)', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const h = healthScore(input, now);
        const parts: [number | null, number][] = [
          [h.factors.latency, healthWeights.latency],
          [h.factors.errors, healthWeights.errors],
          [h.factors.heartbeat, healthWeights.heartbeat],
        ];
        const measured = parts.filter((p): p is [number, number] => p[0] !== null);
        const weight = measured.reduce((s, [, w]) => s + w, 0);
        const mean = measured.reduce((s, [v, w]) => s + v * w, 0) / weight;
        // The factors are answered rounded: the score, from the unrounded ones, is within a point.
        expect(Math.abs(h.score - mean)).toBeLessThanOrEqual(1);
        expect(h.score).toBeGreaterThanOrEqual(Math.min(...measured.map(([v]) => v)) - 1);
        expect(h.score).toBeLessThanOrEqual(Math.max(...measured.map(([v]) => v)) + 1);
        // An unmeasured error ratio is left out, not scored as 0 or 100.
        if (input.apiErrorRatio === null) expect(h.factors.errors).toBeNull();
      }),
    );
  });

  it('weighs latency 0.4, errors 0.3, heartbeat 0.3 and leaves out what is not measured', () => {
    const base = { latencyObjectiveP99Ms: 1000, lastContactAt: now.toISOString() };
    expect(healthScore({ ...base, apiLatencyP99Ms: 2000, apiErrorRatio: 0 }, now).score).toBe(60);
    expect(healthScore({ ...base, apiLatencyP99Ms: null, apiErrorRatio: 0.05 }, now).score).toBe(50);
    // 1 % of the requests failing: the factor is 80, the score 100 x 0.4 + 80 x 0.3 + 100 x 0.3 = 94.
    expect(healthScore({ ...base, apiLatencyP99Ms: 400, apiErrorRatio: 0.01 }, now)).toMatchObject({
      score: 94,
      factors: { latency: 100, errors: 80, heartbeat: 100 },
    });
    // Not measured (an older agent): 100 x 0.4 / 0.7 + 100 x 0.3 / 0.7.
    expect(healthScore({ ...base, apiLatencyP99Ms: 400, apiErrorRatio: null }, now).score).toBe(100);
    expect(
      healthScore({ ...base, apiLatencyP99Ms: null, apiErrorRatio: null, lastContactAt: null }, now),
    ).toMatchObject({
      score: 0,
      status: 'degraded',
    });
  });

  it('reads the error ratio of the snapshot the summary stored, and no longer node pressure', () => {
    const withSummary = (summary: unknown) =>
      item(1, { lastSyncedAt: now.toISOString(), summary }) as ClusterListItem;
    const stability = {
      index: 60,
      level: 'orange',
      latency: { value: 0.4, penalty: 0, weight: 30, p99Ms: 400, objectiveP99Ms: 1000 },
      pressure: { value: 3, penalty: 40, weight: 40, eventsPerNodeDay: 3 },
      spot: { value: 0, penalty: 0, weight: 30 },
    };
    const failing = withSummary({
      stability,
      controlPlane: { latencyP99Ms: 400, requestsPerMinute: 300, errorRatio: 0.03 },
    });
    expect(failing.apiErrorRatio).toBe(0.03);
    expect(failing.health.factors).toEqual({ latency: 100, errors: 40, heartbeat: 100 });
    expect(failing.health.score).toBe(82);
    // A summary from an agent older than the figure: the factor is left out, pressure is not read.
    const older = withSummary({ stability, controlPlane: { latencyP99Ms: 400, requestsPerMinute: 300 } });
    expect(older.apiErrorRatio).toBeNull();
    expect(older.pressureEventsPerNodeDay).toBe(3);
    expect(older.health).toMatchObject({ score: 100, factors: { errors: null } });
  });
});

describe('the health gauge’s tooltip', () => {
  it('names each factor with its figure and the weights, and says what was not measured', () => {
    const base = {
      latencyObjectiveP99Ms: 1000,
      lastContactAt: new Date(now.getTime() - 5 * 60_000).toISOString(),
    };
    const measured = { apiLatencyP99Ms: 400, apiErrorRatio: 0.03 };
    expect(healthFactorsText({ ...measured, health: healthScore({ ...base, ...measured }, now) })).toBe(
      'Health 82/100 — API latency 100 (p99 400 ms), control-plane errors 40 (3 % of API requests failed), ' +
        'agent heartbeat 100 (last contact 5 min ago) (weights: latency 40 %, errors 30 %, heartbeat 30 %; ' +
        'a factor not measured is left out)',
    );
    const none = { apiLatencyP99Ms: null, apiErrorRatio: null };
    const text = healthFactorsText({
      ...none,
      health: healthScore({ ...base, ...none, lastContactAt: null }, now),
    });
    expect(text).toContain('API latency not measured, control-plane errors not measured');
    expect(text).toContain('agent heartbeat 0 (never heard from)');
  });
});

describe('trend, summary and compare', () => {
  it('builds 24 hourly node counts and two weeks of cost from the rollups', () => {
    const hours = Array.from({ length: 14 * 24 + 3 }, (_, h) => ({
      hour: new Date(Date.parse('2026-06-01T12:00:00Z') - (h + 1) * 3_600_000).toISOString(),
      nodesByCapacityType: { spot: h % 5, 'on-demand': 2 },
      hourlyCostUsd: h < 168 ? 2 : 1,
    }));
    const t = registryTrendOf(hours, new Date('2026-06-01T12:30:00Z'));
    expect(t.nodes24h).toHaveLength(24);
    expect(t.nodes24h.at(-1)).toBe(2);
    expect(t).toMatchObject({ costLast7dUsd: 336, costPrev7dUsd: 168 });
    expect(registryTrendOf(hours.slice(0, 100), now)).toMatchObject({
      costLast7dUsd: null,
      costPrev7dUsd: null,
    });
  });

  it('sums the fleet and weights efficiency by run rate', () => {
    const a = item(1, { monthlyRunRateUsd: 300, summary: { efficiency: { score: 0.9, grade: 'A' } } });
    const b = item(2, { monthlyRunRateUsd: 100, summary: { efficiency: { score: 0.5, grade: 'C' } } });
    const s = registrySummary([a, b]);
    expect(s).toMatchObject({
      clusterCount: 2,
      monthlyRunRateUsd: 400,
      efficiencyScore: 0.8,
      efficiencyGrade: 'A',
    });
  });

  it('flags exactly the rows whose values differ', () => {
    const c = compareClusters([item(1), item(3)]);
    expect(c.rows.find((r) => r.key === 'region')?.differs).toBe(false);
    expect(c.rows.find((r) => r.key === 'kubernetesVersion')?.differs).toBe(true);
    for (const r of c.rows) expect(r.differs).toBe(new Set(r.values).size > 1);
  });

  const grid = (awake: (day: number, slot: number) => boolean) =>
    Array.from({ length: 7 }, (_, d) => Array.from({ length: 48 }, (_, s) => awake(d, s)));
  const settings = (over: Partial<CompareSettings> = {}): CompareSettings => ({
    nodeTemplate: { name: 'general', via: 'default' },
    policy: { policy: defaultPolicy, versions: { organization: 2, account: 0, cluster: 0 } },
    hibernation: { configured: false, enabled: false, timeZone: 'UTC', weeklyGrid: grid(() => true) },
    ...over,
  });

  it('compares the effective node template, policy and hibernation schedule, differences flagged', () => {
    const nights = grid((d, s) => d < 5 && s >= 14 && s < 40);
    const spotHeavy = mergePolicy(defaultPolicy, {
      infrastructure: { autoscaling: { nodeTemplateId: 't-2' } },
    });
    const c = compareClusters(
      [item(1), item(2), item(3)],
      [
        settings(),
        settings({
          nodeTemplate: { name: 'spot-heavy', via: 'policy' },
          policy: { policy: spotHeavy, versions: { organization: 2, account: 0, cluster: 1 } },
          hibernation: { configured: true, enabled: true, timeZone: 'Europe/Berlin', weeklyGrid: nights },
        }),
        settings(),
      ],
    );
    const row = (key: string) => c.rows.find((r) => r.key === key);
    expect(row('nodeTemplate')).toMatchObject({
      group: 'configuration',
      values: ["general (organization's default)", 'spot-heavy', "general (organization's default)"],
      differs: true,
    });
    expect(row('policy')?.differs).toBe(true);
    expect(row('policy')?.values[0]).toBe(
      'organization v2; infrastructure.autoscaling.nodeTemplateId = null',
    );
    expect(row('policy')?.values[1]).toBe(
      'organization v2 + cluster v1; infrastructure.autoscaling.nodeTemplateId = "t-2"',
    );
    expect(row('hibernation')?.values).toEqual([
      'Not set (always awake)',
      'On, Europe/Berlin: Mon–Fri 07:00–20:00; Sat–Sun asleep',
      'Not set (always awake)',
    ]);
    // The configuration rows come before the figures, the new ones after the registry's own.
    const keys = c.rows.map((r) => r.key);
    expect(keys.indexOf('tags')).toBeLessThan(keys.indexOf('nodeTemplate'));
    expect(keys.indexOf('hibernation')).toBeLessThan(keys.indexOf('nodeCount'));
    const same = compareClusters([item(1), item(2)], [settings(), settings()]);
    for (const key of ['nodeTemplate', 'policy', 'hibernation'])
      expect(same.rows.find((r) => r.key === key)).toMatchObject({ differs: false });
    expect(same.rows.find((r) => r.key === 'policy')?.values[0]).toBe('organization v2');
  });

  it('writes two different weekly grids differently (the hibernation row differs exactly when they do)', () => {
    const arb = fc.array(fc.array(fc.boolean(), { minLength: 48, maxLength: 48 }), {
      minLength: 7,
      maxLength: 7,
    });
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        expect(weeklyGridText(a) === weeklyGridText(b)).toBe(JSON.stringify(a) === JSON.stringify(b));
      }),
    );
    expect(weeklyGridText(grid((d, s) => d === 0 && (s < 2 || s >= 46)))).toBe(
      'Mon 00:00–01:00, 23:00–24:00; Tue–Sun asleep',
    );
  });
});
