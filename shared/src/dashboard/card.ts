import type { DashboardClusterInput } from './aggregate';
import { type PackingView, parseSummaryView, type SummaryView } from './summary-view';

/**
 * A cluster's dashboard card: what the dashboard reads of one cluster (its row fields and the parts of its
 * summary the widgets show), stored as one JSON string on its dashboard item. The account's name is not
 * in it (an account can be renamed without touching its clusters): the route adds it at read time.
 */
export type DashboardCard = Omit<DashboardClusterInput, 'accountName'>;

/** Bumped when the summary view changes shape: a card of this version is read as written, without re-parsing. */
export const cardVersion = 1;

/** The card of a cluster; the summary is trimmed to the dashboard's view (and parsed tolerantly). */
export function encodeCard(card: Omit<DashboardCard, 'summary'> & { summary: unknown }): string {
  return JSON.stringify({ v: cardVersion, ...card, summary: parseSummaryView(card.summary) });
}

/** The card a string holds, `null` when there is none or it is unreadable (the cluster is then skipped). */
export function decodeCard(encoded: string | null | undefined): DashboardCard | null {
  if (!encoded) return null;
  try {
    const raw = JSON.parse(encoded) as Partial<DashboardCard> & { summary?: unknown; v?: number };
    if (typeof raw.clusterId !== 'string' || typeof raw.accountId !== 'string') return null;
    const collection = raw.collection ?? { status: 'pending', reason: null, source: null };
    return {
      clusterId: raw.clusterId,
      name: typeof raw.name === 'string' ? raw.name : raw.clusterId,
      accountId: raw.accountId,
      region: raw.region ?? '',
      kubernetesVersion: raw.kubernetesVersion ?? '',
      nodeCount: Number(raw.nodeCount) || 0,
      podCount: Number(raw.podCount) || 0,
      monthlyRunRateUsd: Number(raw.monthlyRunRateUsd) || 0,
      timeZone: raw.timeZone ?? 'UTC',
      tags: raw.tags ?? {},
      lastSyncedAt: raw.lastSyncedAt ?? null,
      collection: {
        status: collection.status ?? 'pending',
        reason: collection.reason ?? null,
        source: collection.source ?? null,
      },
      // Written through `parseSummaryView` by this version: trusted as is (the hot path of the route).
      summary:
        raw.v === cardVersion ? ((raw.summary ?? null) as SummaryView | null) : parseSummaryView(raw.summary),
    };
  } catch {
    return null;
  }
}

const packingFields = [
  'currentHourlyCostUsd',
  'planHourlyCostUsd',
  'lowerBoundHourlyCostUsd',
  'monthlySavingUsd',
  'nodesNow',
  'nodesInPlan',
] as const satisfies readonly (keyof PackingView)[];

/**
 * The bin-packing estimate of a card, as the cluster's series item keeps it for the Resource Gap route
 * (`current,plan,bound,saving,nodesNow,nodesInPlan`; `null` when the card has none). Taken from the card
 * itself, so the two can never disagree on a figure.
 */
export function encodePacking(card: string): string | null {
  const b = decodeCard(card)?.summary?.binPacking;
  return b ? packingFields.map((f) => b[f]).join(',') : null;
}

/** The estimate `encodePacking` wrote, `null` when there is none or it is unreadable. */
export function decodePacking(encoded: string | null | undefined): PackingView | null {
  if (!encoded) return null;
  const values = encoded.split(',').map(Number);
  if (values.length !== packingFields.length || !values.every(Number.isFinite)) return null;
  return Object.fromEntries(packingFields.map((f, i) => [f, values[i]])) as PackingView;
}
