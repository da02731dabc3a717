import { apiContracts } from '@spot/shared';
import { httpHandler } from '../http/handler';
import { openApiDocument } from '../openapi';

// Built once per container: the document depends only on the code.
let document: ReturnType<typeof openApiDocument> | undefined;

/** This API as an OpenAPI 3.1 document; no auth, no table access. */
export const handler = httpHandler(
  { auth: 'public', contract: apiContracts['GET /api/openapi.json'] },
  async () => {
    document ??= openApiDocument();
    return { body: document };
  },
);
