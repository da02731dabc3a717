import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openApiDocument, openApiDocumentPath, openApiJson, openApiRegenerateCommand } from '../src/openapi';
import { routes } from '../src/routes';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('OpenAPI document', () => {
  it('is checked in exactly as the route table and the contracts generate it', () => {
    const checkedIn = readFileSync(`${repoRoot}${openApiDocumentPath}`, 'utf8');
    expect(
      checkedIn === openApiJson(),
      `${openApiDocumentPath} is stale: run \`${openApiRegenerateCommand}\` and commit the result`,
    ).toBe(true);
  });

  it('has every route with its security, inputs and the error shape', () => {
    const doc = openApiDocument();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components?.securitySchemes ?? {}).sort()).toEqual(['agentToken', 'userJwt']);
    for (const route of routes) {
      const operation = doc.paths?.[route.path]?.[route.method.toLowerCase() as 'get'];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      const security = {
        public: [],
        user: [{ userJwt: [] }],
        admin: [{ userJwt: [] }],
        agent: [{ agentToken: [] }],
      };
      expect(operation?.security).toEqual(security[route.auth]);
      expect(operation?.responses?.['500']).toMatchObject({
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      });
      if (route.path.includes('{id}'))
        expect(operation?.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path' }));
    }
    const renameBody = doc.paths?.['/api/client/accounts/{id}']?.patch?.requestBody;
    expect(renameBody).toMatchObject({ required: true });
    const listParameters = doc.paths?.['/api/client/clusters']?.get?.parameters ?? [];
    expect(listParameters).toContainEqual(expect.objectContaining({ name: 'limit', in: 'query' }));
  });
});
