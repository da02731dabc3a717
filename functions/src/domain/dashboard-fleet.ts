import {
  buildDashboardBase,
  cardVersion,
  clustersShownInFull,
  type DashboardBase,
  type DashboardCard,
  type DashboardClusterInput,
  dashboardBaseFormat,
  decodeCard,
  decodeDigest,
  digestFormat,
  withFullCards,
} from '@spot/shared/dashboard/index';
import { clusterCardKey } from '../data/entities/cluster-card';
import {
  dashboardDigestEntity,
  dashboardDigestShardOf,
  dashboardDigestShards,
  dashboardDigestsOfOrgQuery,
  dashboardDigestsOfShardQuery,
  dashboardDigestVersionsOf,
  dashboardDigestVersionsOfOrgQuery,
} from '../data/entities/dashboard-digest';
import { batchGet, queryRaw } from '../data/repository';

/**
 * The fleet's (or one account's) dashboard from the digests (ADR 0062), kept in this Lambda's memory
 * between requests and checked on each by the shards' counters (ADR 0064).
 *
 * Each request reads the 16 counters and the completeness marker (one Query of 17 items of a few bytes).
 * A shard whose counter moved since this process read it is read again (one Query of its ~31 digest items,
 * strongly consistent, so what is kept is at least as new as the counter it is kept under); the others
 * are kept. The full cards the answer shows (`clustersShownInFull`) are kept the same way, under their
 * shard's counter as read before them. The answer's clusters' part (`buildDashboardBase`) is kept under
 * all 16 counters and the account names it shows: while none moves, the request only adds the time and
 * the scans. Every write of a card moves its shard's counter in the same transaction (`cardDigestWrites`),
 * so nothing kept outlives the data it came from by more than the counters' read (eventually consistent,
 * like every read of this route).
 *
 * Kept per organization (the caller's, from its token: one organization's data never answers another's),
 * for the 32 organizations read last, 8 scopes (the fleet, accounts) each, and under the code's formats
 * (`keptRelease`, ADR 0072): what code of other formats decoded or shaped is dropped and read again.
 */

/**
 * The formats of what is kept: the digests decoded, the cards decoded, the answer's part built. Kept
 * reads are checked against it, so a part shaped by code of another release is never answered by this one.
 */
export const keptRelease = `digest-${digestFormat}.card-${cardVersion}.base-${dashboardBaseFormat}`;

interface ShardKept {
  version: number;
  digests: DashboardCard[];
}
interface CardKept {
  version: number;
  card: DashboardCard | null;
}
interface OrgKept {
  /** The `keptRelease` of the code that read and built what is kept here. */
  release: string;
  shards: (ShardKept | undefined)[];
  cards: Map<string, CardKept>;
  answers: Map<string, { key: string; base: DashboardBase }>;
  /** The rebuild in flight per scope, and the key it will be kept under. */
  building: Map<string, { key: string; answer: Promise<DashboardBase | null | 'notFound'> }>;
}

const maxOrgs = 32;
const maxScopes = 8;
const maxCards = 256;
/** Past this many shards to read again, one Query of every digest costs less than one per shard. */
const shardsReadOneByOne = 4;

const kept = new Map<string, OrgKept>();

/**
 * This organization's kept reads, the last used at the end of the map (evicted from its start); those
 * of another release are dropped whole (decoded digests, cards and answers alike).
 */
function keptFor(orgId: string, release: string): OrgKept {
  const found = kept.get(orgId);
  kept.delete(orgId);
  if (found?.release === release) {
    kept.set(orgId, found);
    return found;
  }
  const fresh: OrgKept = { release, shards: [], cards: new Map(), answers: new Map(), building: new Map() };
  kept.set(orgId, fresh);
  while (kept.size > maxOrgs) kept.delete(kept.keys().next().value as string);
  return fresh;
}

/** Forgets every kept read (tests and the benchmark compare the first read with the kept ones). */
export function forgetKeptDashboards(): void {
  kept.clear();
}

/**
 * Reads again the shards whose counter moved; `false` when a digest is of another format (a newer
 * release's: the route reads the cards, and nothing of this read is kept).
 */
async function refreshShards(orgId: string, versions: readonly number[], org: OrgKept): Promise<boolean> {
  const stale = versions.flatMap((v, shard) => (org.shards[shard]?.version === v ? [] : [shard]));
  if (stale.length === 0) return true;
  const items =
    stale.length > shardsReadOneByOne
      ? await queryRaw(dashboardDigestsOfOrgQuery(orgId), { consistent: true })
      : (
          await Promise.all(
            stale.map((shard) => queryRaw(dashboardDigestsOfShardQuery(orgId, shard), { consistent: true })),
          )
        ).flat();
  const fresh = new Map<number, DashboardCard[]>(stale.map((shard) => [shard, []]));
  for (const item of items) {
    if (item.entity !== dashboardDigestEntity.name) continue;
    const clusterId = String(item.clusterId);
    // A shard not stale, read by the one Query of all: the kept digests stand.
    const digests = fresh.get(dashboardDigestShardOf(clusterId));
    if (!digests) continue;
    const digest = decodeDigest(clusterId, String(item.digest));
    if (!digest) return false;
    digests.push(digest);
  }
  // Never back to an older counter: a concurrent request of this process (the local gateway serves many at
  // once) that read the counters earlier may finish later; what is kept stays at least as new as its tag.
  for (const [shard, digests] of fresh) {
    const version = versions[shard] ?? 0;
    if ((org.shards[shard]?.version ?? -1) <= version) org.shards[shard] = { version, digests };
  }
  return true;
}

/** The full cards of these clusters: kept ones under their shard's current counter, the others read. */
async function fullCardsOf(
  orgId: string,
  clusterIds: ReadonlySet<string>,
  versions: readonly number[],
  org: OrgKept,
): Promise<Map<string, DashboardCard>> {
  const versionOf = (id: string) => versions[dashboardDigestShardOf(id)] ?? 0;
  const missing = [...clusterIds].filter((id) => org.cards.get(id)?.version !== versionOf(id));
  if (missing.length > 0) {
    const items = await batchGet(
      missing.map((id) => clusterCardKey(orgId, id)),
      { consistent: true },
    );
    const read = new Map<string, DashboardCard>();
    for (const item of items) {
      const card = decodeCard(typeof item.card === 'string' ? item.card : null);
      if (card) read.set(card.clusterId, card);
    }
    if (org.cards.size + missing.length > maxCards) org.cards.clear();
    for (const id of missing)
      if ((org.cards.get(id)?.version ?? -1) <= versionOf(id))
        org.cards.set(id, { version: versionOf(id), card: read.get(id) ?? null });
  }
  const cards = new Map<string, DashboardCard>();
  for (const id of clusterIds) {
    const card = org.cards.get(id)?.card;
    if (card) cards.set(id, card);
  }
  return cards;
}

/**
 * The clusters' part of the fleet's (or one account's) answer from the digests and the few full cards it
 * shows, or `null` when the organization's digests are not complete (cards written before them) or one is
 * of another format: the route then reads the cards. `notFound` when an account asked for has no cluster
 * and is not the organization's.
 */
export async function fleetBaseFromDigests(
  orgId: string,
  accountId: string | undefined,
  names: () => Promise<ReadonlyMap<string, string>>,
  release: string = keptRelease,
): Promise<DashboardBase | null | 'notFound'> {
  const { complete, versions } = dashboardDigestVersionsOf(
    await queryRaw(dashboardDigestVersionsOfOrgQuery(orgId)),
  );
  // Until discovery has completed the set (`completeDashboardDigests`), some cards (written before digests
  // were) may have none: a partial set would leave their clusters out of the fleet's figures.
  if (!complete) return null;
  const org = keptFor(orgId, release);
  const accountNames = await names();
  // The release again in the key: a rebuild started by code of another release is not joined either.
  const key = `${release}|${versions.join('.')}|${JSON.stringify([...accountNames])}`;
  const scope = accountId ?? '';
  const answer = org.answers.get(scope);
  if (answer?.key === key) return answer.base;

  // Requests of one process that find the same counters moved wait for one rebuild, not one each (the local
  // gateway serves many at once; a Lambda instance serves one at a time).
  const building = org.building.get(scope);
  if (building?.key === key) return building.answer;
  const built = rebuild(orgId, accountId, accountNames, versions, org, key);
  org.building.set(scope, { key, answer: built });
  try {
    return await built;
  } finally {
    if (org.building.get(scope)?.answer === built) org.building.delete(scope);
  }
}

/** The answer's clusters' part from the kept shards and cards, reading again what moved; kept under `key`. */
async function rebuild(
  orgId: string,
  accountId: string | undefined,
  accountNames: ReadonlyMap<string, string>,
  versions: readonly number[],
  org: OrgKept,
  key: string,
): Promise<DashboardBase | null | 'notFound'> {
  const scope = accountId ?? '';
  if (!(await refreshShards(orgId, versions, org))) return null;
  const inScope: DashboardCard[] = [];
  for (let shard = 0; shard < dashboardDigestShards; shard++)
    for (const d of org.shards[shard]?.digests ?? [])
      if (!accountId || d.accountId === accountId) inScope.push(d);
  // An account with no cluster is answered when it is the organization's (as from the cards), else 404.
  if (accountId && inScope.length === 0 && !accountNames.has(accountId)) return 'notFound';
  const withName = (c: DashboardCard): DashboardClusterInput => ({
    ...c,
    accountName: accountNames.get(c.accountId) ?? null,
  });
  const clusters = inScope.map(withName);
  const full = await fullCardsOf(orgId, clustersShownInFull(clusters), versions, org);
  // A card of another account (a digest read before its cluster moved) is left out with the digest's.
  const fullInScope = new Map(
    [...full].filter(([, c]) => !accountId || c.accountId === accountId).map(([id, c]) => [id, withName(c)]),
  );
  const base = buildDashboardBase({
    clusters: withFullCards(clusters, fullInScope),
    scope: { accountId: accountId ?? null, clusterId: null },
  });
  org.answers.delete(scope);
  org.answers.set(scope, { key, base });
  while (org.answers.size > maxScopes) org.answers.delete(org.answers.keys().next().value as string);
  return base;
}
