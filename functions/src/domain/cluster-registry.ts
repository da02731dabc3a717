import {
  type AuditEntry,
  agentHelmUpgradeCommand,
  agentUpgradeCommandIdPrefix,
  type BulkActionBody,
  type BulkActionResponse,
  type ClusterListItem,
  type CompareClustersResponse,
  DomainError,
  type ListClustersQuery,
  NotFoundError,
  type PolicyOverrides,
  type RegistrySortField,
  type RegistrySummaryResponse,
  ValidationError,
} from '@spot/shared';
import { localDateAt } from '@spot/shared/hibernation/engine';
import {
  type CompareSettings,
  compareClusters,
  filterRegistry,
  pageAfter,
  type RegistryPosition,
  registryIndexItemOf,
  registryItemOf,
  registrySummary,
  sortRegistry,
} from '@spot/shared/registry/index';
import { z } from 'zod';
import { registryIndexAttribute, registryIndexOfOrgQuery } from '../data/entities/cluster-registry-index';
import { clusterRegistryRowKey, registryRowsOfOrgQuery } from '../data/entities/cluster-registry-row';
import { nodeTemplateEntity, nodeTemplateKey } from '../data/entities/node-template';
import { batchGet, getItem, queryRaw } from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';
import { AgentUnavailableError, enqueueAgentCommands } from './agent-commands';
import { appendAudit } from './audit';
import { templateOfPolicy } from './cluster-findings';
import { loadCluster } from './clusters';
import { getHibernation, readSchedule, saveHibernation, scheduleOf } from './hibernation';
import { armAfterSave } from './hibernation-run';
import { maintenanceOf } from './maintenance';
import { getPolicy, savePolicy } from './policies';
import { effectivePolicyOf } from './policy-effective';

/**
 * The Multi-Cluster Command Center (ADR 0045): the registry is read by ONE Query of the organization's
 * ClusterRegistryRow items (pattern 71), then filtered, sorted and paged in memory by
 * `shared/src/registry`. Keys are built from the caller's organization only: another organization's
 * cluster id is simply not found.
 */

/** A stored row item as a list item (`null` when its row does not parse). */
const itemOfStored = (i: Record<string, unknown>, now: Date) =>
  typeof i.row === 'string'
    ? registryItemOf(
        i.row,
        typeof i.trend === 'string' ? i.trend : null,
        now,
        typeof i.realizedMonthlyUsd === 'number' ? i.realizedMonthlyUsd : null,
      )
    : null;

/**
 * Every registry item of the organization at `now`, from the index (ADR 0053): ONE Query of its 16 shard
 * items. The items are exact in every field a filter, a sort or the status bar reads; the fields only the
 * grid shows are empty (`withFullRows` fills a page). An organization with no index yet (rows written
 * before it) is read from its rows, as before.
 */
async function readRegistry(orgId: string, now: Date): Promise<{ items: ClusterListItem[]; full: boolean }> {
  const shards = await queryRaw(registryIndexOfOrgQuery(orgId));
  const items: ClusterListItem[] = [];
  for (const shard of shards) {
    for (const [name, value] of Object.entries(shard)) {
      if (!name.startsWith('r:') || typeof value !== 'string') continue;
      const id = name.slice(2);
      const trend = shard[registryIndexAttribute.trend(id)];
      const realized = shard[registryIndexAttribute.realized(id)];
      const item = registryIndexItemOf(
        id,
        value,
        typeof trend === 'string' ? trend : null,
        typeof realized === 'number' ? realized : null,
        now,
      );
      if (item) items.push(item);
    }
  }
  if (items.length > 0) return { items, full: false };
  const rows = await queryRaw(registryRowsOfOrgQuery(orgId), {
    projection: ['row', 'trend', 'realizedMonthlyUsd'],
  });
  return { items: rows.flatMap((i) => itemOfStored(i, now) ?? []), full: true };
}

/** The page's items as the full rows tell them (one BatchGetItem), in the page's order. */
async function withFullRows(orgId: string, page: ClusterListItem[], now: Date): Promise<ClusterListItem[]> {
  if (page.length === 0) return page;
  const found = await batchGet(page.map((i) => clusterRegistryRowKey(orgId, i.id)));
  const byId = new Map<string, ClusterListItem>();
  for (const i of found) {
    const item = itemOfStored(i, now);
    if (item) byId.set(item.id, item);
  }
  // A row removed between the two reads leaves the page (its entry went in the same transaction).
  return page.flatMap((i) => byId.get(i.id) ?? []);
}

const cursorSchema = z.object({
  s: z.string(),
  d: z.enum(['asc', 'desc']),
  v: z.union([z.string(), z.number(), z.null()]),
  id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
});

const badCursor = () =>
  new ValidationError('cursor: not a cursor this list returned. Start again without it.');

function decodeCursor(cursor: string, sort: RegistrySortField, dir: 'asc' | 'desc'): RegistryPosition {
  let parsed: z.infer<typeof cursorSchema>;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw badCursor();
  }
  if (parsed.s !== sort || parsed.d !== dir)
    throw new ValidationError(
      `cursor: it continues the list sorted by ${parsed.s} ${parsed.d}; send that sort again, or start without a cursor.`,
    );
  return { value: parsed.v, id: parsed.id };
}

const encodeCursor = (sort: string, dir: string, p: RegistryPosition) =>
  Buffer.from(JSON.stringify({ s: sort, d: dir, v: p.value, id: p.id })).toString('base64url');

/**
 * `GET /api/client/clusters`: one page of the registry in the order asked (ties by id), filtered; the
 * cursor is the position of the last item (sort value and id), so a page continues right after it
 * even when clusters were added or removed meanwhile.
 */
export async function listRegistry(orgId: string, query: ListClustersQuery, now: Date) {
  if (query.tag !== undefined && query.tag.split('=')[0] === '')
    throw new ValidationError('tag: give a tag key, as `key` or `key=value`.');
  const after = query.cursor ? decodeCursor(query.cursor, query.sort, query.dir) : null;
  const registry = await readRegistry(orgId, now);
  const matching = sortRegistry(filterRegistry(registry.items, query), query.sort, query.dir);
  const page = pageAfter(matching, query.sort, query.dir, after, query.limit);
  return {
    items: registry.full ? page.items : await withFullRows(orgId, page.items, now),
    total: matching.length,
    nextCursor: page.hasMore && page.last ? encodeCursor(query.sort, query.dir, page.last) : null,
  };
}

/** `GET /api/client/clusters/summary`: the status bar of the organization's (or one account's) clusters. */
export async function registrySummaryOf(
  orgId: string,
  query: { accountId?: string | undefined },
  now: Date,
): Promise<RegistrySummaryResponse> {
  const { items } = await readRegistry(orgId, now);
  return registrySummary(query.accountId ? items.filter((i) => i.accountId === query.accountId) : items);
}

/** The registry items of these ids, in their order, or 404 naming the first id that is not found. */
async function itemsOf(orgId: string, ids: readonly string[], now: Date): Promise<ClusterListItem[]> {
  const found = await batchGet(ids.map((id) => clusterRegistryRowKey(orgId, id)));
  const byId = new Map<string, ClusterListItem>();
  for (const i of found) {
    const item = itemOfStored(i, now);
    if (item) byId.set(item.id, item);
  }
  return ids.map((id, n) => {
    const item = byId.get(id);
    if (!item) throw new NotFoundError(`ids.${n}: the cluster`);
    return item;
  });
}

/**
 * What a cluster is set up with beyond its row: effective node template, policy and hibernation schedule.
 * Every read is keyed by the caller's organization (the cluster was found in it by `itemsOf` first).
 */
async function settingsOf(orgId: string, item: ClusterListItem): Promise<CompareSettings> {
  const [cluster, effective, stored] = await Promise.all([
    loadCluster(orgId, item.id),
    effectivePolicyOf(orgId, { clusterId: item.id, accountId: item.accountId }),
    readSchedule(orgId, item.id),
  ]);
  const template = await templateOfPolicy(orgId, effective.policy);
  const schedule = scheduleOf(cluster, stored);
  return {
    nodeTemplate: template && {
      name: template.name,
      via: effective.policy.infrastructure.autoscaling.nodeTemplateId ? 'policy' : 'default',
    },
    policy: { policy: effective.policy, versions: effective.versions },
    hibernation: {
      configured: stored !== undefined,
      enabled: schedule.enabled,
      timeZone: schedule.timeZone,
      weeklyGrid: schedule.weeklyGrid,
    },
  };
}

/** `POST /api/client/clusters/compare`: the clusters side by side, differences flagged. */
export async function compareRegistry(
  orgId: string,
  ids: readonly string[],
  now: Date,
): Promise<CompareClustersResponse> {
  const items = await itemsOf(orgId, ids, now);
  return compareClusters(items, await Promise.all(items.map((i) => settingsOf(orgId, i))));
}

/** Who asked, and from where: each cluster's audit record of a bulk action carries it. */
export interface BulkActor {
  userId: string;
  email: string;
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string;
}

/** A bulk change skips a cluster in maintenance mode (an upgrade in progress gets nothing new pushed). */
class BulkMaintenanceError extends DomainError {
  constructor(since: string | null, by: string | null) {
    super(
      'CLUSTER_IN_MAINTENANCE',
      `The cluster is in maintenance mode${since ? ` since ${since}` : ''}${by ? ` (switched on by ${by})` : ''}: switch it off on the cluster page, or leave it out of the selection.`,
      409,
    );
    this.name = 'BulkMaintenanceError';
  }
}

/** `queued`: handed to the cluster's agent, which answers later (not done yet). */
type Applied = { before?: unknown; after?: unknown; message: string; queued?: true };

/** One cluster's change, with the existing per-cluster domain function of its feature. */
async function applyOne(
  orgId: string,
  clusterId: string,
  body: BulkActionBody,
  actor: BulkActor,
  now: Date,
): Promise<Applied> {
  const author = { userId: actor.userId, email: actor.email };
  const scope = { level: 'cluster' as const, id: clusterId };
  switch (body.action) {
    case 'apply-template': {
      const current = await getPolicy(orgId, scope);
      const overrides = current.policy as PolicyOverrides;
      const next: PolicyOverrides = {
        ...overrides,
        infrastructure: {
          ...overrides.infrastructure,
          autoscaling: { ...overrides.infrastructure?.autoscaling, nodeTemplateId: body.templateId },
        },
      };
      const saved = await savePolicy(orgId, scope, { version: current.version, policy: next }, author, now);
      return {
        before: saved.before,
        after: saved.policy,
        message: `Node template ${body.templateId} set in the cluster's policy (version ${saved.policy.version}).`,
      };
    }
    case 'apply-policy': {
      const current = await getPolicy(orgId, scope);
      const saved = await savePolicy(
        orgId,
        scope,
        { version: current.version, policy: body.policy },
        author,
        now,
      );
      return {
        before: saved.before,
        after: saved.policy,
        message: `Policy saved as version ${saved.policy.version}.`,
      };
    }
    case 'apply-hibernation': {
      const current = await getHibernation(orgId, clusterId, now);
      const saved = await saveHibernation(
        orgId,
        clusterId,
        {
          version: current.version,
          schedule: body.schedule,
          // The upcoming dated overrides as they are (today on, in the schedule's zone: what the save
          // compares); earlier ones are history the save keeps without being sent.
          overrides: current.overrides.filter((o) => o.date >= localDateAt(body.schedule.timeZone, now)),
          notifications: { enabled: current.notifications.enabled, emails: current.notifications.emails },
        },
        author,
        now,
      );
      await armAfterSave(orgId, clusterId, saved.engineInput, saved.runtime, saved.view.notifications, now);
      return {
        before: saved.before,
        after: saved.view,
        message: `Hibernation schedule saved (version ${saved.view.version}).`,
      };
    }
    case 'upgrade-agent': {
      // The request id is the idempotency key (a retried request enqueues nothing twice); API Gateway's ids
      // may hold characters a command id does not allow.
      const commandId =
        `${agentUpgradeCommandIdPrefix}${body.version}:${actor.requestId.replace(/[^A-Za-z0-9._:-]/g, '-')}`.slice(
          0,
          100,
        );
      try {
        await enqueueAgentCommands(
          orgId,
          clusterId,
          [{ id: commandId, command: { type: 'upgrade-agent', version: body.version } }],
          now,
          actor.email,
        );
      } catch (error) {
        // No agent takes commands: the upgrade a person can still run is part of the answer.
        if (!(error instanceof AgentUnavailableError)) throw error;
        const helm = agentHelmUpgradeCommand(await port('site').appUrl(), body.version);
        const { lastPollAt } = error.details as { lastPollAt: string | null };
        throw new AgentUnavailableError(clusterId, lastPollAt, `Or upgrade it yourself: ${helm}`);
      }
      // Queued, not done: the agent answers on its next poll, and the answer is on the cluster's Activity.
      return {
        after: { commandId, version: body.version },
        message: `Upgrade to ${body.version} queued for the agent (command ${commandId}); its answer shows under Agent upgrades in the cluster's Activity.`,
        queued: true,
      };
    }
  }
}

const auditActions: Record<BulkActionBody['action'], { action: string; resourceType: string }> = {
  'apply-template': { action: 'policy.update', resourceType: 'policy' },
  'apply-policy': { action: 'policy.update', resourceType: 'policy' },
  'apply-hibernation': { action: 'hibernation.update', resourceType: 'hibernation-schedule' },
  'upgrade-agent': { action: 'cluster.agent.upgrade', resourceType: 'cluster' },
};

/**
 * `POST /api/client/clusters/bulk`: the action on each cluster in turn, each its own change and its own
 * audit record (the same action name as the single-cluster route, `via: bulk` in its record), so one
 * cluster's failure (not found, in maintenance, a stale version, no agent to run the command) is reported
 * for that cluster and the others go ahead. Never throws for one cluster's failure: a domain error's
 * message is the cluster's result; any other error is reported without its internals.
 */
export async function bulkAction(
  orgId: string,
  body: BulkActionBody,
  actor: BulkActor,
  now: Date,
): Promise<BulkActionResponse> {
  // The template is the caller's or the whole request is a 404 (never one failure per cluster).
  if (
    body.action === 'apply-template' &&
    !(await getItem(nodeTemplateEntity, nodeTemplateKey(orgId, body.templateId)))
  )
    throw new NotFoundError('templateId: the node template');
  const results: BulkActionResponse['results'] = [];
  const audit = auditActions[body.action];
  for (const id of body.ids) {
    let name: string | null = null;
    let accountId: string | null = null;
    const entry = (outcome: AuditEntry['outcome'], extra: Partial<AuditEntry>): AuditEntry => ({
      actorType: 'user',
      actorId: actor.userId,
      actorName: actor.email,
      action: audit.action,
      resourceType: audit.resourceType,
      target: `cluster/${id}`,
      accountId,
      outcome,
      sourceIp: actor.sourceIp,
      userAgent: actor.userAgent,
      requestId: actor.requestId,
      ...extra,
    });
    try {
      const cluster = await loadCluster(orgId, id);
      name = cluster.name;
      accountId = cluster.accountId;
      const maintenance = await maintenanceOf(orgId, id, true);
      if (maintenance.enabled) throw new BulkMaintenanceError(maintenance.since, maintenance.by);
      const applied = await applyOne(orgId, id, body, actor, now);
      await appendAudit(
        orgId,
        entry('success', {
          before: applied.before,
          after: { via: 'bulk', bulkAction: body.action, result: applied.after },
          errorCode: null,
        }),
        now,
      );
      results.push({
        id,
        name,
        outcome: applied.queued ? 'queued' : 'succeeded',
        message: applied.message,
        errorCode: null,
      });
    } catch (error) {
      const known = error instanceof DomainError;
      if (!known) logger.error('bulk action failed on a cluster', { clusterId: id, ...errorFields(error) });
      const errorCode = known ? error.code : 'INTERNAL';
      const message = known
        ? error.message
        : `Failed for an internal reason (request ${actor.requestId}); try again.`;
      // A cluster of another organization is "not found" and leaves no record in this one's trail.
      if (name !== null)
        await appendAudit(
          orgId,
          entry('failed', { after: { via: 'bulk', bulkAction: body.action }, errorCode }),
          now,
        );
      results.push({ id, name, outcome: 'failed', message, errorCode });
    }
  }
  return {
    action: body.action,
    succeeded: results.filter((r) => r.outcome === 'succeeded').length,
    queued: results.filter((r) => r.outcome === 'queued').length,
    failed: results.filter((r) => r.outcome === 'failed').length,
    results,
  };
}
