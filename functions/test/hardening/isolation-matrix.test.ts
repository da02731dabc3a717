import type { RouteContract } from '@spot/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type RouteDefinition, routeKey, routes } from '../../src/routes';
import { buildIsolationMatrix, idSlotsOf, isolationCases } from './isolation-matrix';

const contract = (parts: Partial<RouteContract> = {}): RouteContract => ({
  summary: 'x',
  tags: [],
  responses: { 200: null },
  errors: [404],
  ...parts,
});

describe('the tenant isolation matrix builder', () => {
  it('covers every path parameter of every signed-in route of today’s table', () => {
    const probes = buildIsolationMatrix(routes, isolationCases);
    // A route whose path parameters name no object (the organization policy's `version`: always within the
    // caller's own organization) has nothing foreign to probe; its case says why.
    const namesNoObject = (r: (typeof routes)[number]) =>
      [...r.path.matchAll(/\{(\w+)\}/g)].every(
        (m) => typeof isolationCases[routeKey(r)]?.ids[`path.${m[1]}`] === 'object',
      );
    for (const route of routes.filter(
      (r) => r.auth !== 'public' && r.path.includes('{') && !namesNoObject(r),
    ))
      expect(probes.filter((p) => p.key === routeKey(route)).length, routeKey(route)).toBeGreaterThan(0);
    expect(probes.map((p) => `${p.key} ${p.slot}`)).toContain('POST /api/ingest/snapshots body.clusterId');
  });

  it('fails, naming the route, when a new route with an id has no case', () => {
    const templates: RouteDefinition = {
      method: 'GET',
      path: '/api/client/templates/{templateId}',
      handler: 'templates/get',
      auth: 'user',
    };
    expect(() =>
      buildIsolationMatrix([...routes, templates], isolationCases, {
        'GET /api/client/templates/{templateId}': contract(),
      }),
    ).toThrow(/GET \/api\/client\/templates\/\{templateId\} path\.templateId/);
  });

  it('fails when a route gains an id-like query or body field without a case', () => {
    const exports: RouteDefinition = {
      method: 'POST',
      path: '/api/client/exports',
      handler: 'exports/create',
      auth: 'user',
    };
    const withFields = contract({
      query: z.object({ scheduleId: z.string().optional() }),
      body: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('a'), policyId: z.string() }),
        z.object({ kind: z.literal('b') }),
      ]),
    });
    expect(() => buildIsolationMatrix([exports], {}, { 'POST /api/client/exports': withFields })).toThrow(
      /query\.scheduleId.*body\.policyId|body\.policyId.*query\.scheduleId/,
    );
  });

  it('fails on a case for a place or route that does not exist (a stale case hides nothing)', () => {
    expect(() =>
      buildIsolationMatrix(routes, {
        ...isolationCases,
        'GET /api/client/accounts/{id}': { ids: { 'path.id': 'account', 'query.accountId': 'account' } },
      }),
    ).toThrow(/query\.accountId/);
    expect(() =>
      buildIsolationMatrix(routes, { ...isolationCases, 'GET /api/client/gone/{id}': { ids: {} } }),
    ).toThrow(/gone.*no such route/);
  });

  it('finds exactly the path parameters of any path (property)', () => {
    const segment = fc.oneof(
      fc.stringMatching(/^[a-z]{1,8}$/).map((s) => ({ text: s, param: null as string | null })),
      fc.stringMatching(/^[a-z][A-Za-z]{0,8}$/).map((s) => ({ text: `{${s}}`, param: s })),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
        const path = `/api/${segments.map((s) => s.text).join('/')}`;
        const expected = segments.flatMap((s) => (s.param ? [`path.${s.param}`] : []));
        expect(idSlotsOf({ path }, undefined)).toEqual(expected);
        const route: RouteDefinition = { method: 'GET', path, handler: 'x', auth: 'user' };
        const build = () => buildIsolationMatrix([route], {}, {});
        if (expected.length) expect(build).toThrow(/No tenant isolation case/);
        else expect(build()).toEqual([]);
      }),
    );
  });
});
