import {
  type ApiRouteKey,
  apiContracts,
  apiErrorSchema,
  errorStatusesOf,
  type RouteContract,
} from '@spot/shared';
import { expect } from 'vitest';
import type { ApiResponse } from './services';

/**
 * Checks a response against the route's contract: its status is one the contract names (a success, a
 * declared error, or 500) and its body parses with that status's schema (`apiErrorSchema` for errors);
 * a 429 carries Retry-After.
 * Returns the parsed body.
 */
export function expectContractResponse(key: ApiRouteKey, res: ApiResponse): unknown {
  const contract: RouteContract = apiContracts[key];
  const errors = errorStatusesOf(contract);
  const declared = [...Object.keys(contract.responses).map(Number), ...errors];
  expect(declared, `${key} answered ${res.status}, not in its contract: ${res.raw}`).toContain(res.status);
  // A 429 tells the caller when to come back (the OpenAPI document declares the header).
  if (res.status === 429)
    expect(res.headers['retry-after'], `${key} 429 without Retry-After`).toMatch(/^[1-9]\d*$/);
  const success = !errors.includes(res.status);
  if (success && contract.fileMediaTypes) {
    // A file answer: one of the declared media types, with every declared header.
    const type = (res.headers['content-type'] ?? '').split(';')[0] ?? '';
    expect(contract.fileMediaTypes, `${key} answered a ${type} file`).toContain(type);
    for (const header of Object.keys(contract.responseHeaders ?? {}))
      expect(res.headers, `${key} without ${header}`).toHaveProperty(header);
    if (type !== 'application/json') return res.raw;
  }
  const schema = success ? contract.responses[res.status] : apiErrorSchema;
  if (!schema) {
    expect(res.raw, `${key} ${res.status} has no body in its contract`).toBe('');
    return undefined;
  }
  const parsed = schema.safeParse(res.body);
  expect(parsed.error?.issues ?? [], `${key} ${res.status} does not match its contract`).toEqual([]);
  return parsed.data;
}
