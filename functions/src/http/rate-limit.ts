import {
  apiContracts,
  decideRate,
  type RateDecision,
  type RateLimit,
  type RateLimitDimension,
  RateLimitedError,
  type RouteContract,
  rateWindow,
} from '@spot/shared';
import { rateCounterEntityName, rateCounterKey } from '../data/entities/rate-limit';
import { isConditionalCheckFailed, updateItem, where } from '../data/repository';
import { errorFields, logger } from '../lib/logger';
import { type RouteDefinition, type RouteRateLimits, routeKey, routes } from '../routes';

/** The route-table row whose contract a handler was built with (limits live in the route table). */
export function routeOfContract(contract: RouteContract): RouteDefinition | undefined {
  const key = Object.entries(apiContracts).find(([, c]) => c === contract)?.[0];
  return routes.find((r) => routeKey(r) === key);
}

/** The limits of one phase: `perIp` before authentication, the others once caller and body are known. */
export function limitsOf(
  limits: RouteRateLimits | undefined,
  phase: 'before-auth' | 'after-parse',
): { dimension: RateLimitDimension; limit: RateLimit }[] {
  if (!limits) return [];
  if (phase === 'before-auth') return limits.perIp ? [{ dimension: 'ip', limit: limits.perIp }] : [];
  const found: { dimension: RateLimitDimension; limit: RateLimit }[] = [];
  if (limits.perEmail) found.push({ dimension: 'email', limit: limits.perEmail });
  if (limits.perOrg) found.push({ dimension: 'org', limit: limits.perOrg });
  if (limits.perCluster) found.push({ dimension: 'cluster', limit: limits.perCluster });
  return found;
}

/**
 * Counts one request of `key` against `limit` and decides. The conditional ADD only increments below the
 * limit, so the counter never passes it, a refused request costs one write and no read, and two
 * instances counting at once cannot both take the last slot.
 */
export async function countRequest(
  scope: string,
  key: string,
  limit: RateLimit,
  now: Date,
): Promise<RateDecision> {
  const nowMs = now.getTime();
  const window = rateWindow(nowMs, limit.windowSeconds);
  try {
    const out = await updateItem(
      rateCounterKey(scope, key, window.startSeconds),
      {
        add: { requests: 1 },
        set: { entity: rateCounterEntityName, expiresAt: window.endSeconds + limit.windowSeconds },
      },
      {
        condition: where.or(where.notExists('requests'), where.lt('requests', limit.requests)),
        returnValues: 'UPDATED_NEW',
      },
    );
    return decideRate(Number(out?.requests ?? 1) - 1, limit, nowMs);
  } catch (error) {
    if (isConditionalCheckFailed(error)) return decideRate(limit.requests, limit, nowMs);
    // A limiter that cannot count must not take the product down with it: let the request through.
    logger.warn('rate limit not counted', { scope, ...errorFields(error) });
    return { allowed: true };
  }
}

/**
 * Counts the request against each limit in turn and throws {@link RateLimitedError} at the first one it
 * is over; `keyOf` names the key of a dimension (`undefined`: the request has none, e.g. no email).
 */
export async function enforceRateLimits(
  scope: string,
  limits: readonly { dimension: RateLimitDimension; limit: RateLimit }[],
  keyOf: (dimension: RateLimitDimension) => string | undefined,
  now: Date,
): Promise<void> {
  for (const { dimension, limit } of limits) {
    const key = keyOf(dimension);
    if (key === undefined) continue;
    const decision = await countRequest(`${scope}:${dimension}`, key, limit, now);
    if (!decision.allowed) throw new RateLimitedError(decision.retryAfterSeconds);
  }
}
