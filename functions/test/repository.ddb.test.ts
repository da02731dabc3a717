import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterEntity, clusterKey, clustersOfAccountQuery } from '../src/data/entities/cluster';
import { cardsOfOrgQuery, clusterCardEntity, clusterCardKey } from '../src/data/entities/cluster-card';
import { policyEntity, policyKey } from '../src/data/entities/cluster-policy';
import {
  batchGet,
  batchWrite,
  cancellationReasons,
  cancelledConditions,
  deleteItem,
  getItem,
  getRaw,
  InvalidAttributeNameError,
  isConditionalCheckFailed,
  putItem,
  putRaw,
  queryAll,
  queryPage,
  queryPages,
  queryRaw,
  transactCheck,
  transactDelete,
  transactPut,
  transactUpdate,
  transactWrite,
  updateItem,
  where,
} from '../src/data/repository';
import { executePlan } from '../src/data/write-plan';
import { useLocalTable } from './support/services';

/** A cluster's policy scope: the item the conditional-write tests use. */
const c1 = { level: 'cluster' as const, id: 'c1' };

beforeAll(async () => {
  await useLocalTable(inject('dynamodbEndpoint'), 'repo');
});

const newOrg = () => `org-${randomUUID().slice(0, 8)}`;
const card = (orgId: string, clusterId: string, accountId = 'acct-1') => ({
  orgId,
  clusterId,
  accountId,
  card: `{"id":"${clusterId}"}`,
});
const rejection = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

describe('get / put / delete', () => {
  it('puts and gets an item, consistently and with a projection', async () => {
    const orgId = newOrg();
    await putItem(clusterCardEntity, card(orgId, 'c1'));
    expect(await getItem(clusterCardEntity, clusterCardKey(orgId, 'c1'), true)).toEqual(card(orgId, 'c1'));
    expect(await getRaw(clusterCardKey(orgId, 'c1'), { projection: ['accountId'] })).toEqual({
      accountId: 'acct-1',
    });
    expect(await getItem(clusterCardEntity, clusterCardKey(orgId, 'missing'))).toBeUndefined();
  });

  it('honours must-exist / must-not-exist / version conditions on put', async () => {
    const orgId = newOrg();
    await putItem(clusterCardEntity, card(orgId, 'c1'), where.itemNotExists());
    const taken = await rejection(putItem(clusterCardEntity, card(orgId, 'c1'), where.itemNotExists()));
    expect(isConditionalCheckFailed(taken)).toBe(true);
    const missing = await rejection(putItem(clusterCardEntity, card(orgId, 'c2'), where.itemExists()));
    expect(isConditionalCheckFailed(missing)).toBe(true);

    const policy = {
      orgId,
      scope: c1,
      version: 1,
      document: {},
      updatedAt: 't',
      updatedBy: 'u',
      updatedByEmail: 'u@example.com',
    };
    await putItem(policyEntity, policy, where.version('version', undefined));
    await putItem(policyEntity, { ...policy, version: 2 }, where.version('version', 1));
    const stale = await rejection(
      putItem(policyEntity, { ...policy, version: 3 }, where.version('version', 1)),
    );
    expect(isConditionalCheckFailed(stale)).toBe(true);
    expect((await getItem(policyEntity, policyKey(orgId, c1)))?.version).toBe(2);
  });

  it('deletes, optionally on a condition', async () => {
    const orgId = newOrg();
    await putItem(clusterCardEntity, card(orgId, 'c1'));
    const wrong = await rejection(deleteItem(clusterCardKey(orgId, 'c1'), where.eq('accountId', 'other')));
    expect(isConditionalCheckFailed(wrong)).toBe(true);
    await deleteItem(clusterCardKey(orgId, 'c1'), where.eq('accountId', 'acct-1'));
    expect(await getRaw(clusterCardKey(orgId, 'c1'))).toBeUndefined();
  });
});

describe('update', () => {
  it('sets, removes and adds named fields and returns the new values', async () => {
    const orgId = newOrg();
    await putItem(policyEntity, {
      orgId,
      scope: c1,
      version: 1,
      document: { a: 1 },
      updatedAt: 't0',
      updatedBy: 'u',
      updatedByEmail: 'u@example.com',
    });
    const out = await updateItem(
      policyKey(orgId, c1),
      {
        set: { updatedAt: 't1' },
        setPaths: [{ path: ['document', 'b'], value: 2 }],
        remove: [['document', 'a']],
        add: { version: 1 },
      },
      { condition: where.and(where.itemExists(), where.version('version', 1)), returnValues: 'ALL_NEW' },
    );
    expect(out).toMatchObject({ version: 2, updatedAt: 't1', document: { b: 2 } });
    const stale = await rejection(
      updateItem(
        policyKey(orgId, c1),
        { set: { updatedAt: 't2' } },
        { condition: where.version('version', 1) },
      ),
    );
    expect(isConditionalCheckFailed(stale)).toBe(true);
  });

  it('fails a must-exist update of a missing item and creates with must-not-exist', async () => {
    const orgId = newOrg();
    const missing = await rejection(
      updateItem(clusterCardKey(orgId, 'nope'), { set: { card: 'x' } }, { condition: where.itemExists() }),
    );
    expect(isConditionalCheckFailed(missing)).toBe(true);
    await updateItem(
      clusterCardKey(orgId, 'new'),
      { set: { card: 'x' }, setIfAbsent: { accountId: 'a' } },
      { condition: where.itemNotExists() },
    );
    expect(await getRaw(clusterCardKey(orgId, 'new'), { projection: ['card', 'accountId'] })).toEqual({
      card: 'x',
      accountId: 'a',
    });
  });

  it('refuses an empty attribute name before calling DynamoDB', async () => {
    const error = await rejection(updateItem(clusterCardKey(newOrg(), 'c'), { set: { '': 1 } }));
    expect(error).toBeInstanceOf(InvalidAttributeNameError);
  });
});

describe('query', () => {
  it('follows pagination across many pages, with a filter, projection, limit and order', async () => {
    const orgId = newOrg();
    const ids = Array.from({ length: 60 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    await batchWrite(
      ids.map((id, i) => ({ put: clusterCardEntity.toItem(card(orgId, id, i % 2 ? 'odd' : 'even')) })),
    );
    let pages = 0;
    for await (const _page of queryPages(cardsOfOrgQuery(orgId), { pageSize: 7 })) pages++;
    expect(pages).toBeGreaterThanOrEqual(9);

    const all = await queryAll(clusterCardEntity, cardsOfOrgQuery(orgId), { pageSize: 7 });
    expect(all.map((c) => c.clusterId)).toEqual(ids);

    const odd = await queryRaw(cardsOfOrgQuery(orgId), {
      pageSize: 5,
      filter: where.eq('accountId', 'odd'),
      projection: ['clusterId'],
    });
    expect(odd).toHaveLength(30);
    expect(odd[0]).toEqual({ clusterId: 'c001' });

    const newest = await queryAll(clusterCardEntity, cardsOfOrgQuery(orgId), { newestFirst: true, limit: 3 });
    expect(newest.map((c) => c.clusterId)).toEqual(['c059', 'c058', 'c057']);

    const inFilter = await queryRaw(cardsOfOrgQuery(orgId), {
      filter: where.in('clusterId', ['c002', 'c004']),
      projection: ['clusterId'],
    });
    expect(inFilter.map((i) => i.clusterId)).toEqual(['c002', 'c004']);
  });

  it('returns pages with a cursor that continues where the last one stopped', async () => {
    const orgId = newOrg();
    const ids = Array.from({ length: 23 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    await batchWrite(ids.map((id) => ({ put: clusterCardEntity.toItem(card(orgId, id)) })));
    const seen: string[] = [];
    let startKey: Awaited<ReturnType<typeof queryPage>>['lastKey'];
    let calls = 0;
    do {
      const page = await queryPage(cardsOfOrgQuery(orgId), {
        limit: 10,
        pageSize: 4,
        projection: ['clusterId'],
        ...(startKey ? { startKey } : {}),
      });
      for (const item of page.items) {
        expect(Object.keys(item)).toEqual(['clusterId']);
        seen.push(String(item.clusterId));
      }
      startKey = page.lastKey;
      calls++;
      expect(page.hasMore).toBe(startKey !== undefined);
    } while (startKey);
    expect(seen).toEqual(ids);
    expect(calls).toBe(3);
  });

  it('stops a filtered page at maxRequests with where it stopped reading, and continues from there', async () => {
    const orgId = newOrg();
    const ids = Array.from({ length: 30 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    await batchWrite(ids.map((id) => ({ put: clusterCardEntity.toItem(card(orgId, id)) })));
    const wanted = ['c001', 'c017', 'c028'];
    const seen: string[] = [];
    let startKey: Awaited<ReturnType<typeof queryPage>>['lastKey'];
    const cut: boolean[] = [];
    do {
      const page = await queryPage(cardsOfOrgQuery(orgId), {
        limit: 10,
        pageSize: 4,
        maxRequests: 2,
        filter: where.in('clusterId', wanted),
        ...(startKey ? { startKey } : {}),
      });
      seen.push(...page.items.map((i) => String(i.clusterId)));
      cut.push(page.cutShort);
      // Cut short, the key is the last one read (8 per call here), not the last item returned.
      if (page.cutShort)
        expect(page.lastKey?.SK).toBe(
          clusterCardEntity.toItem(card(orgId, ids[cut.length * 8 - 1] as string)).SK,
        );
      startKey = page.lastKey;
    } while (startKey);
    expect(seen).toEqual(wanted);
    // 30 items at 8 a call: three calls cut short, the fourth reaches the end.
    expect(cut).toEqual([true, true, true, false]);
  });

  it('queries an index', async () => {
    const orgId = newOrg();
    const cluster = {
      orgId,
      clusterId: 'k1',
      accountId: 'acct-x',
      awsAccountId: '111122223333',
      name: 'k1',
      region: 'us-east-1',
      kubernetesVersion: '1.30',
      nodeCount: 1,
      monthlyRunRateUsd: 1,
      discoveredAt: 't',
    };
    await putItem(clusterEntity, clusterEntity.schema.parse(cluster));
    const found = await queryAll(clusterEntity, clustersOfAccountQuery(orgId, 'acct-x'));
    expect(found.map((c) => c.clusterId)).toEqual(['k1']);
    expect(await getItem(clusterEntity, clusterKey(orgId, 'k1'))).toMatchObject({ name: 'k1' });
  });
});

describe('batch', () => {
  it('writes and reads more than one batch, deduplicating keys, and deletes', async () => {
    const orgId = newOrg();
    const ids = Array.from({ length: 130 }, (_, i) => `c${i}`);
    const { written } = await batchWrite([
      ...ids.map((id) => ({ put: clusterCardEntity.toItem(card(orgId, id)) })),
      { put: clusterCardEntity.toItem({ ...card(orgId, 'c0'), card: 'last wins' }) },
    ]);
    expect(written).toBe(130);
    const read = await batchGet([
      ...ids.map((id) => clusterCardKey(orgId, id)),
      clusterCardKey(orgId, 'none'),
    ]);
    expect(read).toHaveLength(130);
    expect(read.find((i) => i.clusterId === 'c0')?.card).toBe('last wins');
    await batchWrite(ids.slice(0, 100).map((id) => ({ delete: clusterCardKey(orgId, id) })));
    expect(await queryAll(clusterCardEntity, cardsOfOrgQuery(orgId))).toHaveLength(30);
  });
});

describe('transactions', () => {
  it('commits put, update, delete and condition check together', async () => {
    const orgId = newOrg();
    await putItem(clusterCardEntity, card(orgId, 'old'));
    await putItem(clusterCardEntity, card(orgId, 'guard'));
    await putItem(clusterCardEntity, card(orgId, 'check'));
    await transactWrite([
      transactPut(clusterCardEntity, card(orgId, 'new'), true),
      transactUpdate(clusterCardKey(orgId, 'guard'), { set: { card: 'touched' } }, where.itemExists()),
      transactDelete(clusterCardKey(orgId, 'old')),
      transactCheck(clusterCardKey(orgId, 'check'), where.eq('accountId', 'acct-1')),
    ]);
    const left = await queryAll(clusterCardEntity, cardsOfOrgQuery(orgId));
    expect(left.map((c) => [c.clusterId, c.card])).toEqual([
      ['check', card(orgId, 'check').card],
      ['guard', 'touched'],
      ['new', card(orgId, 'new').card],
    ]);
  });

  it('reports which item failed its condition when cancelled', async () => {
    const orgId = newOrg();
    await putItem(clusterCardEntity, card(orgId, 'taken'));
    const error = await rejection(
      transactWrite([
        transactPut(clusterCardEntity, card(orgId, 'free'), true),
        transactPut(clusterCardEntity, card(orgId, 'taken'), where.itemNotExists()),
        transactCheck(clusterCardKey(orgId, 'taken'), where.exists('accountId')),
      ]),
    );
    expect(cancelledConditions(error)).toEqual([false, true, false]);
    expect(cancellationReasons(error)?.[1]).toBe('ConditionalCheckFailed');
    expect(await getRaw(clusterCardKey(orgId, 'free'))).toBeUndefined();
  });

  it('writes an item already built by its entity', async () => {
    const orgId = newOrg();
    await putRaw(clusterCardEntity.toItem(card(orgId, 'raw')), where.itemNotExists());
    expect(await getItem(clusterCardEntity, clusterCardKey(orgId, 'raw'))).toEqual(card(orgId, 'raw'));
  });
});

describe('write plans', () => {
  it('runs the fallback when the named item fails its condition, and stops on any other failure', async () => {
    const orgId = newOrg();
    await putItem(clusterCardEntity, card(orgId, 'guard'));
    // Item 1 fails (no such item): the fallback writes the card alone.
    await executePlan([
      {
        kind: 'transaction',
        items: [
          { put: clusterCardEntity.toItem(card(orgId, 'a')) },
          {
            update: clusterCardKey(orgId, 'missing'),
            spec: { set: { card: 'x' } },
            condition: where.itemExists(),
          },
        ],
        ifConditionFails: {
          item: 1,
          instead: {
            kind: 'transaction',
            items: [
              { put: clusterCardEntity.toItem(card(orgId, 'b')) },
              { check: clusterCardKey(orgId, 'guard'), condition: where.itemExists() },
            ],
          },
        },
      },
    ]);
    const written = await queryAll(clusterCardEntity, cardsOfOrgQuery(orgId));
    expect(written.map((c) => c.clusterId)).toEqual(['b', 'guard']);
    // Item 0 fails, the fallback names item 1: the plan fails and later operations do not run.
    const error = await rejection(
      executePlan([
        {
          kind: 'transaction',
          items: [
            { put: clusterCardEntity.toItem(card(orgId, 'guard')), condition: where.itemNotExists() },
            { check: clusterCardKey(orgId, 'b'), condition: where.itemExists() },
          ],
          ifConditionFails: { item: 1 },
        },
        { kind: 'batch', requests: [{ put: clusterCardEntity.toItem(card(orgId, 'never')) }] },
      ]),
    );
    expect(cancelledConditions(error)).toEqual([true, false]);
    expect(await getRaw(clusterCardKey(orgId, 'never'))).toBeUndefined();
  });
});
