import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collectStates } from '@spot/local/stepfunctions';
import { apiContracts, type RouteContract } from '@spot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { routeKey, routes } from '../src/routes';
import { workflows } from '../src/workflows';

const handlersRoot = fileURLToPath(new URL('../src/handlers/', import.meta.url));
const tasksRoot = fileURLToPath(new URL('../src/tasks/', import.meta.url));

describe('route table', () => {
  // The first import of a handler loads the whole middleware stack: paid once here, with room for a busy
  // machine, instead of inside the first case's 5 s.
  beforeAll(async () => {
    await Promise.all(routes.map((r) => import(`${handlersRoot}${r.handler}.ts`)));
  }, 60_000);

  it('has one row per method and path', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s has a handler declaring the same auth',
    async (_key, route) => {
      const file = `${handlersRoot}${route.handler}.ts`;
      expect(existsSync(file), file).toBe(true);
      const mod = (await import(file)) as { handler: { auth: string; audited: boolean } };
      expect(mod.handler.auth).toBe(route.auth);
      // Every mutating route outside the sign-in flow leaves an audit record.
      const signInFlow = ['/api/auth/token', '/api/auth/refresh', '/api/auth/confirm'];
      // POSTs that change nothing: the template wizard validates its draft as the user types; the policy
      // page previews the savings of its unsaved draft; the hibernation calendar previews a holiday import.
      const readOnly = [
        '/api/client/node-templates/validate',
        '/api/client/clusters/{id}/policy/preview',
        '/api/client/hibernation/holidays/preview',
        '/api/client/clusters/compare',
      ];
      // Audited per cluster by the domain, one record per change (cluster-registry.ddb.test.ts and
      // cluster-onboarding.ddb.test.ts check them).
      const auditedPerItem = ['/api/client/clusters/bulk', '/api/client/clusters/adopt'];
      if (
        route.method !== 'GET' &&
        !signInFlow.includes(route.path) &&
        !readOnly.includes(route.path) &&
        !auditedPerItem.includes(route.path)
      )
        expect(mod.handler.audited).toBe(true);
    },
  );

  it('has one contract per route and one route per contract', () => {
    expect(Object.keys(apiContracts).sort()).toEqual(routes.map(routeKey).sort());
  });

  it.each(routes.map((r) => [routeKey(r), r] as const))(
    '%s parses its input with the schemas of its contract',
    async (key, route) => {
      const mod = (await import(`${handlersRoot}${route.handler}.ts`)) as {
        handler: { contract: RouteContract };
      };
      // Identity, not equality: the handler holds the very row the SPA and the OpenAPI document use.
      expect(mod.handler.contract).toBe(apiContracts[key as keyof typeof apiContracts]);
    },
  );

  it('declares 429 in the contract of exactly the routes with abuse limits', () => {
    for (const r of routes) {
      const errors = apiContracts[routeKey(r) as keyof typeof apiContracts].errors as readonly number[];
      expect(errors.includes(429), routeKey(r)).toBe(r.rateLimit !== undefined);
    }
  });

  it('only lets routes that write declare table-write', () => {
    // The agent's command poll is a GET by its issue's contract, and it leases what it returns (ADR 0037).
    const leasingReads = new Set(['GET /api/agent/commands']);
    for (const r of routes.filter((x) => x.method === 'GET' && !leasingReads.has(routeKey(x))))
      expect(r.needs ?? []).not.toContain('table-write');
  });
});

describe('consolidation start', () => {
  it('writes the run and starts its workflow, so it needs both (ADR 0040)', () => {
    const route = routes.find((r) => routeKey(r) === 'POST /api/client/clusters/{id}/consolidation');
    expect(route?.needs).toEqual(expect.arrayContaining(['table-write', 'workflows']));
  });
});

describe('rightsizing start', () => {
  it('writes the run and starts its workflow, so it needs both (ADR 0043)', () => {
    const route = routes.find((r) => routeKey(r) === 'POST /api/client/clusters/{id}/rightsizing');
    expect(route?.needs).toEqual(expect.arrayContaining(['table-write', 'workflows']));
  });
});

describe('workflow definitions', () => {
  it.each(workflows.map((w) => [w.name, w] as const))(
    '%s is valid ASL and every task has a module',
    async (_name, wf) => {
      const { default: aslValidator } = await import('asl-validator');
      const definition = wf.definition((state) => `arn:aws:lambda:us-east-1:123456789012:function:${state}`);
      const { isValid, errorsText } = aslValidator(definition);
      expect(isValid, errorsText?.()).toBe(true);
      for (const [state, module] of Object.entries(wf.tasks)) {
        // Task states may sit inside Map iterators.
        expect(collectStates(definition, 'Task'), state).toContain(state);
        expect(existsSync(`${tasksRoot}${module}.ts`), module).toBe(true);
      }
    },
  );
});
