import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { apiContracts, apiErrorSchema, errorStatusesOf, type RouteContract } from '@spot/shared';
import { z } from 'zod';
import { type RouteAuth, type RouteDefinition, routeKey, routes } from './routes';

/** Where the generated document is checked in (`npm run gen:openapi` writes it). */
export const openApiDocumentPath = 'docs/openapi.json';
export const openApiRegenerateCommand = 'npm run gen:openapi';

const statusText: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  400: 'The input is invalid (message names the field)',
  401: 'No valid token, or a revoked session',
  403: 'The caller may not use this route',
  404: 'Not found in your organization',
  409: 'Conflicts with the current state',
  413: 'The body is larger than the route takes',
  415: 'The body is not JSON (send content-type application/json)',
  422: 'The cloud account refused what was asked (details name the action)',
  429: 'Too many requests from this address, email, organization or cluster: wait Retry-After seconds',
  500: 'Something went wrong on our side (quote the request id)',
  502: 'An upstream service failed',
  503: 'The service is busy (throttled); nothing was written, try again in a few seconds',
};

/** What every 429 carries (`functions/src/http/handler.ts`): the window's remaining seconds. */
const retryAfterHeader = {
  'Retry-After': {
    description: 'Whole seconds until the limit resets; the request may be retried then.',
    schema: { type: 'integer' as const, minimum: 1 },
  },
};

const securityOf: Record<RouteAuth, RouteConfig['security']> = {
  public: [],
  user: [{ userJwt: [] }],
  admin: [{ userJwt: [] }],
  agent: [{ agentToken: [] }],
};

/** A file's media type that is text (CSV, YAML); the others (the chart's gzip) are bytes. */
const textual = (type: string) => type.startsWith('text/') || /^application\/(json|yaml)$/.test(type);

/** The contract row of a route; the route table and the contracts are kept in step by a unit test. */
export function contractOf(route: Pick<RouteDefinition, 'method' | 'path'>): RouteContract {
  const contract = (apiContracts as Record<string, RouteContract>)[routeKey(route)];
  if (!contract) throw new Error(`${routeKey(route)} has no contract in shared/src/model/api.ts`);
  return contract;
}

function pathOf(route: RouteDefinition, contract: RouteContract, error: ResponseConfig): RouteConfig {
  const responses: RouteConfig['responses'] = {};
  for (const [status, schema] of Object.entries(contract.responses)) {
    // A file answer: its JSON form has the contract's schema, any other form is text (CSV, YAML) or bytes.
    const media = (status === '200' && contract.fileMediaTypes) || ['application/json'];
    const headers = Object.fromEntries(
      Object.entries(contract.responseHeaders ?? {}).map(([name, description]) => [
        name,
        { description, schema: { type: 'string' as const } },
      ]),
    );
    responses[status] = {
      description: statusText[Number(status)] ?? 'Success',
      ...(schema
        ? {
            content: Object.fromEntries(
              media.map((type) => [
                type,
                {
                  schema:
                    type === 'application/json'
                      ? schema
                      : z
                          .string()
                          .meta({ description: type, ...(textual(type) ? {} : { format: 'binary' }) }),
                },
              ]),
            ),
          }
        : {}),
      ...(contract.responseHeaders ? { headers } : {}),
    };
  }
  for (const status of errorStatusesOf(contract)) {
    responses[String(status)] = {
      ...error,
      description: statusText[status] ?? 'Error',
      ...(status === 429 ? { headers: retryAfterHeader } : {}),
    };
  }
  return {
    method: route.method.toLowerCase() as RouteConfig['method'],
    path: route.path,
    operationId: route.handler.replace(/\//g, '.'),
    summary: contract.summary,
    ...(route.auth === 'admin' ? { description: 'Platform administrators only (the `admin` group).' } : {}),
    tags: [...contract.tags],
    security: securityOf[route.auth],
    request: {
      ...(contract.path ? { params: contract.path } : {}),
      ...(contract.query ? { query: contract.query } : {}),
      ...(contract.body
        ? { body: { required: true, content: { 'application/json': { schema: contract.body } } } }
        : {}),
    },
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route table (paths, methods, auth) and the
 * contracts in `shared/src/model/api.ts` (inputs, responses, errors) by zod-to-openapi.
 */
export function openApiDocument() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'userJwt', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The Cognito access token from `POST /api/auth/token`.',
  });
  registry.registerComponent('securitySchemes', 'agentToken', {
    type: 'http',
    scheme: 'bearer',
    description:
      'The per-cluster agent token (`spot_agt_...`) from `POST /api/client/clusters/{id}/agent-token`.',
  });
  // zod's own metadata: the generator reads the id and writes the schema once under components.
  const errorSchema = apiErrorSchema.meta({ id: 'Error' });
  const error: ResponseConfig = { content: { 'application/json': { schema: errorSchema } } };
  for (const route of routes) registry.registerPath(pathOf(route, contractOf(route), error));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Spot Optimizer API',
      version: '1.0.0',
      description: 'Generated from functions/src/routes.ts and shared/src/model/api.ts; do not edit by hand.',
    },
  });
}

/** The document as the checked-in file holds it. */
export const openApiJson = () => `${JSON.stringify(openApiDocument(), null, 2)}\n`;
