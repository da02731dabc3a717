import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildDashboard,
  buildDashboardBase,
  type DashboardClusterInput,
  dashboardFromBase,
  dashboardLimits,
} from '../../src/dashboard/aggregate';
import { type DashboardCard, decodeCard, encodeCard } from '../../src/dashboard/card';
import {
  clustersShownInFull,
  decodeDigest,
  digestFormat,
  encodeDigest,
  withFullCards,
} from '../../src/dashboard/digest';

/**
 * ADR 0062: a fleet's dashboard answer computed from the clusters' digests plus the full cards of the
 * clusters `clustersShownInFull` names is the answer computed from every card, figure for figure (the
 * same floating-point sums, the same rankings and ties), in any order the digests are read.
 */

const now = new Date('2026-07-01T12:00:00.000Z');
// Few distinct values, so rankings tie often (ties are where an order-dependent shortcut would show).
const money = fc.oneof(
  fc.constantFrom(0, 10, 10, 250.5, 1000),
  fc.double({ min: 0, max: 5000, noNaN: true, noDefaultInfinity: true }),
);
const frac = fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null, freq: 4 });
const count = fc.integer({ min: 0, max: 40 });
const text = fc.constantFrom('a', 'b', 'web', 'api');
const day = fc.constantFrom('2026-06-28', '2026-06-29', '2026-06-30', '2026-07-01');

const workload = { namespace: text, kind: fc.constantFrom('Deployment', 'Job'), name: text, replicas: count };
const component = { value: fc.option(money, { nil: null }), penalty: money, weight: money };

const summaryArb = fc.record({
  computedAt: fc.constantFrom('2026-07-01T11:00:00.000Z', '2026-07-01T12:00:00.000Z'),
  capacity: fc.record({
    cpuMilli: count,
    memoryMiB: money,
    requestedCpuMilli: money,
    requestedMemoryMiB: money,
    usedCpuMilli: fc.option(money, { nil: null }),
    usedMemoryMiB: fc.option(money, { nil: null }),
  }),
  cost: fc.record({ hourlyCostUsd: money, monthlyRunRateUsd: money }),
  fleet: fc.record({
    byFamily: fc.array(
      fc.record({
        capacityType: fc.constantFrom('spot', 'on-demand'),
        family: text,
        nodes: count,
        hourlyCostUsd: money,
      }),
      { maxLength: 3 },
    ),
    byInstanceType: fc.option(
      fc.array(
        fc.record({
          capacityType: fc.constantFrom('spot', 'on-demand'),
          family: text,
          instanceType: fc.constantFrom('m5.large', 'c6i.xlarge'),
          nodes: count,
          hourlyCostUsd: money,
        }),
        { maxLength: 4 },
      ),
      { nil: null },
    ),
  }),
  efficiency: fc.option(
    fc.record({
      score: frac,
      grade: fc.constantFrom('A', 'B', 'C', 'D', 'F', null),
      cpuUtilization: frac,
      memoryUtilization: frac,
      totalHourlyCostUsd: money,
      nodeCount: count,
      basis: fc.constantFrom('metrics-server', 'unavailable'),
    }),
    { nil: null },
  ),
  spot: fc.option(
    fc.record({
      scoreByCount: frac,
      scoreByCpu: frac,
      eligibleCount: count,
      readyCount: count,
      eligibleCpuMilli: money,
      readyCpuMilli: money,
      firstFailingRuleCounts: fc.dictionary(
        fc.constantFrom('persistent-volume-claim', 'do-not-disrupt', 'pdb-blocks-disruption'),
        count,
      ),
      monthlySavingUsd: money,
      alreadyOnSpotCount: count,
      topCandidates: fc.array(fc.record({ ...workload, monthlySavingUsd: money, reason: text }), {
        maxLength: 6,
      }),
      topBlockers: fc.array(
        fc.record({
          ...workload,
          rule: fc.constantFrom('do-not-disrupt'),
          reason: text,
          requestCpuMilli: money,
        }),
        { maxLength: 6 },
      ),
    }),
    { nil: null },
  ),
  idle: fc.option(
    fc.record({
      timeZone: fc.constantFrom('UTC', 'Europe/Berlin', ''),
      windowStart: fc.constant('2026-06-01T00:00:00.000Z'),
      windowEnd: fc.constant('2026-07-01T00:00:00.000Z'),
      idleThreshold: frac.map((v) => v ?? 0.1),
      grid: fc.array(
        fc.array(
          fc.option(
            frac.map((v) => v ?? 0),
            { nil: null },
          ),
          { maxLength: 3 },
        ),
        {
          maxLength: 2,
        },
      ),
      classification: fc.array(fc.array(fc.constantFrom('idle', 'active', 'no-data'), { maxLength: 3 }), {
        minLength: 1,
        maxLength: 2,
      }),
      idleCellsPerWeek: count,
      hourlyClusterCostUsd: money,
      monthlyHibernationSavingsUsd: money,
    }),
    { nil: null },
  ),
  stability: fc.option(
    fc.record({
      index: fc.double({ min: 0, max: 100, noNaN: true }),
      pressure: fc.record({ ...component, eventsPerNodeDay: fc.option(money, { nil: null }) }),
      spot: fc.record({
        ...component,
        spotShare: frac.map((v) => v ?? 0),
        meanSpotMonthlyProbability: frac,
      }),
      latency: fc.record({ ...component, p99Ms: fc.option(money, { nil: null }), objectiveP99Ms: money }),
      windowDays: count,
      pressureEventCount: count,
      recent: fc.array(
        fc.record({
          day,
          index: fc.double({ min: 0, max: 100, noNaN: true }),
          pressurePenalty: money,
          spotPenalty: money,
          latencyPenalty: money,
          nodeCount: count,
        }),
        { maxLength: 3 },
      ),
    }),
    { nil: null },
  ),
  rightsizing: fc.record({ monthlySavingUsd: money }),
  binPacking: fc.option(
    fc.record({
      currentHourlyCostUsd: money,
      planHourlyCostUsd: money,
      lowerBoundHourlyCostUsd: money,
      monthlySavingUsd: money,
      nodesNow: count,
      nodesInPlan: count,
    }),
    { nil: null },
  ),
  unmanaged: fc.record({ workloadCount: count, nodeCount: count, monthlyCostUsd: money }),
  savings: fc.option(
    fc.record({
      steps: fc.array(
        fc.record({
          source: fc.constantFrom('hibernation', 'bin-packing', 'spot', 'rightsizing'),
          standaloneMonthlyUsd: money,
          incrementalMonthlyUsd: money,
        }),
        { maxLength: 4 },
      ),
      totalMonthlyUsd: money,
      naiveSumMonthlyUsd: money,
      projectedMonthlyCostUsd: money,
    }),
    { nil: null },
  ),
  notes: fc.array(text, { maxLength: 2 }),
});

/** A card as stored (encoded, then decoded as the route reads it). */
const cardArb = fc
  .record({
    id: fc.integer({ min: 0, max: 60 }),
    name: fc.constantFrom('alpha', 'beta', 'gamma'),
    accountId: fc.constantFrom('acct-1', 'acct-2'),
    nodeCount: count,
    podCount: count,
    monthlyRunRateUsd: money,
    timeZone: fc.constantFrom('UTC', 'Asia/Tokyo'),
    tags: fc.dictionary(fc.constantFrom('env', 'team', 'a'), text, { maxKeys: 2 }),
    lastSyncedAt: fc.option(fc.constantFrom('2026-07-01T11:00:00.000Z', '2026-07-01T11:55:00.000Z'), {
      nil: null,
    }),
    collection: fc.record({
      status: fc.constantFrom('ok', 'error', 'pending'),
      reason: fc.option(text, { nil: null }),
      source: fc.constantFrom('agent', 'sandbox', null),
    }),
    summary: fc.option(summaryArb, { nil: null, freq: 6 }),
  })
  .map(({ id, ...c }) => {
    const card = decodeCard(
      encodeCard({ ...c, clusterId: `eks-${id}`, region: 'us-east-1', kubernetesVersion: '1.30' } as never),
    );
    if (!card) throw new Error('an encoded card decodes');
    return card;
  });

const fleetArb = fc.uniqueArray(cardArb, { selector: (c) => c.clusterId, maxLength: 40 });

const input = (c: DashboardCard): DashboardClusterInput => ({ ...c, accountName: c.accountId.toUpperCase() });

/** What the route does with digests: decode them, name the clusters shown in full, read their cards. */
function fromDigests(cards: readonly DashboardCard[], order: readonly number[]) {
  const digests = order.map((i) => {
    const card = cards[i] as DashboardCard;
    const digest = decodeDigest(card.clusterId, encodeDigest(card));
    if (!digest) throw new Error('a digest decodes');
    return input(digest);
  });
  const wanted = clustersShownInFull(digests);
  const full = new Map(cards.filter((c) => wanted.has(c.clusterId)).map((c) => [c.clusterId, input(c)]));
  return { clusters: withFullCards(digests, full), cardsRead: full.size };
}

describe('dashboard digests (ADR 0062)', () => {
  it('answer a fleet exactly as its cards do, whatever order they are read in', () => {
    fc.assert(
      fc.property(
        fleetArb.chain((cards) =>
          fc.tuple(fc.constant(cards), fc.shuffledSubarray([...cards.keys()], { minLength: cards.length })),
        ),
        ([cards, order]) => {
          const scope = { accountId: null, clusterId: null };
          const expected = buildDashboard({ clusters: cards.map(input), scope, now });
          const { clusters, cardsRead } = fromDigests(cards, order);
          expect(buildDashboard({ clusters, scope, now })).toStrictEqual(expected);
          // The cards read are the top heatmaps' and the top candidates' and blockers' owners, at most.
          expect(cardsRead).toBeLessThanOrEqual(dashboardLimits.heatmaps + 10 + 10);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answer as the cards do from a kept clusters’ part, with the scans and the time of each request', () => {
    // ADR 0064: the route keeps `buildDashboardBase` of the digests while no shard's counter moves, and adds
    // each request's scans and time: the answer must be the one built from every card at that moment.
    const scanArb = fc.record({
      clustersFound: fc.option(fc.nat(600), { nil: null }),
      clustersCollected: fc.nat(600),
      clustersFailed: fc.nat(20),
    });
    fc.assert(
      fc.property(
        fleetArb.chain((cards) =>
          fc.tuple(
            fc.constant(cards),
            fc.shuffledSubarray([...cards.keys()], { minLength: cards.length }),
            fc.array(fc.array(scanArb, { maxLength: 3 }), { minLength: 1, maxLength: 3 }),
          ),
        ),
        ([cards, order, requests]) => {
          const scope = { accountId: null, clusterId: null };
          const kept = buildDashboardBase({ clusters: fromDigests(cards, order).clusters, scope });
          requests.forEach((scans, i) => {
            const at = new Date(now.getTime() + i * 1000);
            expect(dashboardFromBase(kept, scans, at)).toStrictEqual(
              buildDashboard({ clusters: cards.map(input), scope, scans, now: at }),
            );
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('leave out the heatmaps and the workloads, and only those, of a cluster not shown in full', () => {
    fc.assert(
      fc.property(cardArb, (card) => {
        const digest = decodeDigest(card.clusterId, encodeDigest(card));
        const s = card.summary;
        const expected = s
          ? {
              ...card,
              summary: {
                ...s,
                notes: [],
                idle: s.idle ? { ...s.idle, grid: [], classification: [] } : null,
                spot: s.spot
                  ? {
                      ...s.spot,
                      topCandidates: s.spot.topCandidates.map((w) => ({
                        namespace: '',
                        kind: '',
                        name: '',
                        replicas: 0,
                        monthlySavingUsd: w.monthlySavingUsd,
                        reason: '',
                      })),
                      topBlockers: s.spot.topBlockers.map((w) => ({
                        namespace: '',
                        kind: '',
                        name: '',
                        replicas: 0,
                        rule: '',
                        reason: '',
                        requestCpuMilli: w.requestCpuMilli,
                      })),
                    }
                  : null,
              },
            }
          : card;
        expect(digest).toStrictEqual(expected);
      }),
    );
  });

  it('are not read when of another format or unreadable', () => {
    const card = decodeCard(
      encodeCard({
        clusterId: 'eks-1',
        name: 'prod',
        accountId: 'acct',
        region: 'eu-west-1',
        kubernetesVersion: '1.30',
        nodeCount: 3,
        podCount: 20,
        monthlyRunRateUsd: 730,
        timeZone: 'UTC',
        tags: {},
        lastSyncedAt: null,
        collection: { status: 'ok', reason: null, source: 'agent' },
        summary: null,
      }),
    ) as DashboardCard;
    const digest = JSON.parse(encodeDigest(card)) as unknown[];
    expect(decodeDigest('eks-1', JSON.stringify(digest))?.name).toBe('prod');
    expect(decodeDigest('eks-1', JSON.stringify([digestFormat + 1, ...digest.slice(1)]))).toBeNull();
    expect(decodeDigest('eks-1', '{not json')).toBeNull();
  });
});
