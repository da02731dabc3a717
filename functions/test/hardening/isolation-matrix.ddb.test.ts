import { randomUUID } from 'node:crypto';
import { apiContracts, type RouteContract } from '@spot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { enqueueAgentCommands, getAgentCommand } from '../../src/domain/agent-commands';
import { clusterIdFor } from '../../src/domain/discovery/common';
import { routeKey, routes } from '../../src/routes';
import { installConnectFakes, newAwsAccountId } from '../accounts-connect-fakes';
import { seedCluster } from '../clusters-support';
import { type ApiResponse, call, signUpAndIn, useLocalServices } from '../support/services';
import {
  buildIsolationMatrix,
  type IdKind,
  type IsolationProbe,
  idSlotsOf,
  isolationCases,
  listingRoutes,
  templateDraft,
} from './isolation-matrix';

/**
 * Two organizations, each with a connected account, two clusters (with a tag), an agent token and audit
 * records. Every object-naming place of every signed-in route (the matrix of ./isolation-matrix.ts,
 * generated from the route table) is tried with the other organization's object, both ways; listing
 * routes are searched with the other's names. The attacker learns nothing: 404 exactly like an id that
 * never existed, no byte of the other organization in any answer, and nothing of the victim changes.
 */
interface Org {
  name: string;
  accessToken: string;
  agentToken: string;
  ids: Record<IdKind, string>;
  /** Search terms another organization might try: names, tags. */
  searchTerms: string[];
  /** Every string that would show the organization's data leaked into another's answer. */
  identifiers: string[];
  accountName: string;
  clusterName: string;
  /** Who the organization's people and agents are (in audit records as actors). */
  actor: string[];
}

let fakes: ReturnType<typeof installConnectFakes>;
/** Each organization's own ids, for reading its command behind the API. */
const orgIds = new Map<string, { orgId: string; clusterId: string }>();
/** Workflow starts and schedule deletions made while seeding, before any attacker request. */
let seeded: { started: number; deleted: number };

async function seedOrg(label: string): Promise<Org> {
  const tag = randomUUID().slice(0, 6);
  const user = await signUpAndIn(`Isolation ${label} ${tag}`);
  const awsAccountId = newAwsAccountId();
  const keys = fakes.cloud.addAccessKey(awsAccountId);
  const accountName = `acct-${label}-${tag}`;
  const connected = await call('POST /api/client/accounts/connect', {
    token: user.accessToken,
    body: { method: 'access-key', region: 'eu-central-1', ...keys, name: accountName },
  });
  if (connected.status !== 200) throw new Error(`connect failed: ${connected.raw}`);
  const accountId = String(connected.body.id);
  const tags = { [`team-${tag}`]: `owner-${tag}` };
  const clusters = [
    await seedCluster(user.orgId, { accountId, name: `prod-${label}-${tag}`, tags }),
    await seedCluster(user.orgId, { accountId, name: `stage-${label}-${tag}`, tags }),
  ];
  const [first] = clusters as [(typeof clusters)[number]];
  const issued = await call('POST /api/client/clusters/{id}/agent-token', {
    token: user.accessToken,
    path: { id: first.clusterId },
  });
  const agentToken = String(issued.body.token);
  orgIds.set(label, { orgId: user.orgId, clusterId: first.clusterId });
  const beat = await call('POST /api/ingest/snapshots', {
    token: agentToken,
    body: { kind: 'heartbeat', agentVersion: '0.1.0' },
  });
  if (beat.status !== 200) throw new Error(`heartbeat failed: ${beat.raw}`);
  // A command for the agent (it polls once in write mode, then the workflow's call enqueues one).
  const poll = await call('GET /api/agent/commands', { token: agentToken });
  if (poll.status !== 200) throw new Error(`command poll failed: ${poll.raw}`);
  const commandId = `iso-${label}-${tag}-cordon`;
  await enqueueAgentCommands(
    user.orgId,
    first.clusterId,
    [{ id: commandId, command: { type: 'cordon', node: `node-${tag}` } }],
    new Date(),
  );
  const templateName = `tmpl-${label}-${tag}`;
  const template = await call('POST /api/client/node-templates', {
    token: user.accessToken,
    body: { ...templateDraft, name: templateName },
  });
  if (template.status !== 201) throw new Error(`template failed: ${template.raw}`);
  const templateId = String(template.body.id);
  const page = await call('GET /api/client/clusters', { token: user.accessToken, query: { limit: '1' } });
  const siem = await call('PUT /api/client/audit/settings', {
    token: user.accessToken,
    body: {
      version: 0,
      retentionDays: 365,
      destinations: [
        {
          kind: 'splunk',
          name: `hec-${tag}`,
          url: 'https://splunk.example.com:8088',
          hecToken: randomUUID(),
        },
      ],
    },
  });
  if (siem.status !== 200) throw new Error(`audit settings failed: ${siem.raw}`);
  const destinationId = String((siem.body.destinations as { id: string }[])[0]?.id);
  const audit = await call('GET /api/client/audit', { token: user.accessToken });
  const auditIds = (audit.body.items ?? []).map((r) => String(r.auditId));
  const [tagKey, tagValue] = Object.entries(tags)[0] as [string, string];
  return {
    name: label,
    accessToken: user.accessToken,
    agentToken,
    accountName,
    clusterName: first.name,
    actor: [user.orgId, user.userId, user.email, `Agent of ${first.name}`],
    ids: {
      account: accountId,
      cluster: first.clusterId,
      clusterCursor: String(page.body.nextCursor),
      nodeTemplate: templateId,
      auditRecord: auditIds[0] as string,
      auditDestination: destinationId,
      agentCommand: commandId,
    },
    searchTerms: [
      first.name,
      first.name.slice(0, 8),
      tagKey,
      `${tagKey}=${tagValue}`,
      accountName,
      user.email,
      templateName,
    ],
    identifiers: [
      user.orgId,
      user.userId,
      user.email,
      `Isolation ${label} ${tag}`,
      accountId,
      accountName,
      templateId,
      templateName,
      awsAccountId,
      agentToken,
      tagKey,
      tagValue,
      ...clusters.flatMap((c) => [c.clusterId, c.name]),
      ...auditIds,
      destinationId,
      commandId,
    ],
  };
}

/** An id of the kind that never existed anywhere: what the attacker's answer must be indistinguishable from. */
const neverExisted = (kind: IdKind) =>
  kind === 'cluster' ? clusterIdFor(randomUUID(), 'us-east-1', 'nowhere') : randomUUID();

/** The request of a probe: the slot gets `id`, other path parameters the attacker's own objects. */
function requestOf(probe: IsolationProbe, id: string, attacker: Org) {
  const path: Record<string, string> = { ...(probe.path ?? {}) };
  const query: Record<string, string> = { ...(probe.query ?? {}) };
  const body: Record<string, unknown> = { ...(probe.body ?? {}) };
  for (const slot of idSlotsOf(probe.route, apiContracts[probe.key as keyof typeof apiContracts])) {
    const [where, field] = slot.split('.') as ['path' | 'query' | 'body', string];
    const own = isolationCases[probe.key]?.ids[slot];
    const value =
      slot === probe.slot ? id : where === 'path' && typeof own === 'string' ? attacker.ids[own] : null;
    if (value === null) continue;
    if (where === 'path') path[field] = value;
    else if (where === 'query') query[field] = value;
    else body[field] = value;
  }
  const token = probe.route.auth === 'agent' ? attacker.agentToken : attacker.accessToken;
  return {
    token,
    path,
    query,
    ...(probe.route.method === 'GET' || probe.route.method === 'DELETE' ? {} : { body }),
  };
}

/** What a caller can tell apart: status, code and message (the request id differs every time). */
const observable = (res: ApiResponse) => ({
  status: res.status,
  code: res.body.code,
  message: res.body.message,
  items: res.body.items,
});

function expectNoneOf(victim: Org, res: ApiResponse, what: string, identifiers = victim.identifiers) {
  for (const id of identifiers) {
    const at = res.raw.indexOf(id);
    expect(
      at,
      `${what} leaked ${victim.name}'s ${id}: …${res.raw.slice(Math.max(0, at - 200), at + 100)}…`,
    ).toBe(-1);
  }
}

let a: Org;
let b: Org;
const probes = buildIsolationMatrix(routes, isolationCases);

beforeAll(async () => {
  await useLocalServices();
  fakes = installConnectFakes();
  a = await seedOrg('A');
  b = await seedOrg('B');
  seeded = { started: fakes.workflows.started.length, deleted: fakes.scheduler.deleted.length };
});

describe('listing and search routes never return a foreign item', () => {
  const listings = listingRoutes(routes);

  it('covers the listing routes of the table', () => {
    expect(listings.map(routeKey)).toEqual(
      expect.arrayContaining([
        'GET /api/client/accounts',
        'GET /api/client/clusters',
        'GET /api/client/audit',
      ]),
    );
  });

  it('the scan sees an organization’s own items (so it would see a leak)', async () => {
    for (const org of [a, b]) {
      const raw = (await Promise.all(listings.map((r) => call(routeKey(r), { token: org.accessToken }))))
        .map((r) => r.raw)
        .join('\n');
      for (const id of [org.ids.account, org.ids.cluster, org.clusterName, org.accountName])
        expect(raw, `${org.name}'s own listings`).toContain(id);
    }
  });

  for (const direction of ['B on A', 'A on B'] as const) {
    it(`${direction}: no listing, unfiltered or searched with the other's names and tags, holds its data`, async () => {
      const [attacker, victim] = direction === 'B on A' ? [b, a] : [a, b];
      let searches = 0;
      for (const route of listings) {
        const key = routeKey(route);
        const plain = await call(key, { token: attacker.accessToken });
        expect(plain.status, key).toBe(200);
        expectNoneOf(victim, plain, `${direction}: ${key}`);
        // Every free-text query field the contract takes, with every term that would find the victim's items.
        const shape = (apiContracts[key as keyof typeof apiContracts] as RouteContract).query?.shape ?? {};
        for (const [field, schema] of Object.entries(shape as Record<string, z.ZodType>)) {
          for (const term of victim.searchTerms) {
            if (!schema.safeParse(term).success || /Id$|^cursor$/.test(field)) continue;
            const res = await call(key, { token: attacker.accessToken, query: { [field]: term } });
            expect([200, 400], `${key}?${field}=${term}`).toContain(res.status);
            expectNoneOf(victim, res, `${direction}: ${key}?${field}=${term}`);
            searches++;
          }
        }
      }
      expect(searches).toBeGreaterThan(0);
      console.info(
        `${direction}: ${listings.length} listing routes, ${searches} searches with the other's terms`,
      );
    });
  }
});

describe('tenant isolation matrix (generated from the route table)', () => {
  it('has a probe for every object-naming place, both ways', () => {
    expect(probes.length).toBeGreaterThanOrEqual(13);
    console.info(
      `isolation matrix: ${probes.length} probes over ${new Set(probes.map((p) => p.key)).size} routes × 2 directions`,
    );
  });

  for (const direction of ['B on A', 'A on B'] as const) {
    it(`${direction}: every foreign id is a 404 (or an empty list) exactly like an id that never existed`, async () => {
      const [attacker, victim] = direction === 'B on A' ? [b, a] : [a, b];
      for (const probe of probes) {
        const what = `${direction}: ${probe.key} ${probe.slot}=${probe.kind}`;
        const foreign = await call(probe.key, requestOf(probe, victim.ids[probe.kind], attacker));
        const listing = probe.route.method === 'GET' && !probe.route.path.includes('{');
        if (listing) expect([200, 404], what).toContain(foreign.status);
        else expect(foreign.status, `${what}: ${foreign.raw}`).toBe(404);
        expectNoneOf(victim, foreign, what);
        if (probe.kind === 'clusterCursor') continue; // a cursor's page depends on where its id sorts
        const unknown = await call(probe.key, requestOf(probe, neverExisted(probe.kind), attacker));
        expect(observable(foreign), `${what} differs from a never-existing id`).toEqual(observable(unknown));
      }
    });
  }

  it('leaves the victim untouched: account, agent token, workflows, schedules and audit trail', async () => {
    // A resync or disconnect that got through would have started a discovery or deleted a schedule.
    expect(fakes.workflows.started.length).toBe(seeded.started);
    expect(fakes.scheduler.deleted.length).toBe(seeded.deleted);
    for (const victim of [a, b]) {
      const account = await call('GET /api/client/accounts/{id}', {
        token: victim.accessToken,
        path: { id: victim.ids.account },
      });
      expect(account.status).toBe(200);
      expect(account.body.name).toBe(victim.accountName);
      expect(account.body.status).not.toBe('disconnected');
      // POST agent-token by the other organization would have replaced this token.
      const beat = await call('POST /api/ingest/snapshots', {
        token: victim.agentToken,
        body: { kind: 'heartbeat', agentVersion: '0.1.0' },
      });
      expect(beat.status).toBe(200);
      // A result posted by the other organization's agent would have closed this command.
      const victimIds = orgIds.get(victim.name) as { orgId: string; clusterId: string };
      const command = await getAgentCommand(victimIds.orgId, victimIds.clusterId, victim.ids.agentCommand);
      expect(command.status).toBe('pending');
      // Maintenance switched on by the other organization would show here.
      const detail = await call('GET /api/client/clusters/{id}', {
        token: victim.accessToken,
        path: { id: victim.ids.cluster },
      });
      expect((detail.body.cluster as { maintenance: { enabled: boolean } }).maintenance.enabled).toBe(false);
      const audit = await call('GET /api/client/audit', {
        token: victim.accessToken,
        query: { limit: '500' },
      });
      // The attacker's attempts are in the attacker's own trail (with the ids it typed), never the victim's.
      const other = victim === a ? b : a;
      expectNoneOf(other, audit, `${victim.name}'s audit`, other.actor);
      const own = await call('GET /api/client/audit', { token: other.accessToken, query: { limit: '500' } });
      expect(own.raw).toContain(victim.ids.account);
    }
  });
});
