import { createHash } from 'node:crypto';
import middy from '@middy/core';
import {
  type AuditOutcome,
  DomainError,
  defaultMaxBodyBytes,
  ForbiddenError,
  installTokenPrefix,
  isAccessTokenRevoked,
  isDomainError,
  PayloadTooLargeError,
  RateLimitedError,
  type RouteContract,
  ServiceBusyError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '@spot/shared';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type ZodType, z } from 'zod';
import { isBusyError } from '../data/client';
import { agentTokenEntity, agentTokenKey } from '../data/entities/agent-token';
import { userProfileEntity, userProfileKey } from '../data/entities/user-profile';
import { getItem } from '../data/repository';
import { appendAudit } from '../domain/audit';
import { redeemInstallToken } from '../domain/cluster-onboarding';
import { errorFields, logger } from '../lib/logger';
import { port } from '../ports';
import type { RouteAuth, RouteRateLimits } from '../routes';
import { verifyAuthorizationHeader } from './auth';
import { clientAddressOf } from './client-address';
import { enforceRateLimits, limitsOf, routeOfContract } from './rate-limit';
import { issueMessage } from './validation-messages';

/** The signed-in caller. `orgId` comes from the caller's profile, found by the token's subject. */
export interface Caller {
  userId: string;
  orgId: string;
  email: string;
  role: 'admin' | 'client';
  accessToken: string;
}

/** An in-cluster agent, known by its per-cluster token: it may only write to its own cluster. */
export interface AgentCaller {
  kind: 'agent';
  orgId: string;
  clusterId: string;
}

/** What a handler tells the audit middleware; it fills what it knows. */
export interface AuditNote {
  target: string | null;
  accountId: string | null;
  before?: unknown;
  after?: unknown;
  /** Set by handlers whose caller is not signed in yet (sign-up), so the record lands in the new org. */
  orgId?: string;
  actorId?: string;
  actorName?: string;
}

export interface RequestInput<B, P, Q> {
  body: B;
  path: P;
  query: Q;
  requestId: string;
  sourceIp: string | null;
  userAgent: string | null;
  now: Date;
  audit: AuditNote;
}

export interface HttpResult {
  statusCode?: number;
  body?: unknown;
  /**
   * A file answer (an export, the agent's manifest or chart): sent as is with its media type instead of
   * `body` as JSON; `bytes` (a binary file) go base64-encoded, which API Gateway decodes for the caller.
   */
  file?: { contentType: string; fileName: string } & ({ text: string } | { bytes: Uint8Array });
  /** Extra response headers (lower-case names), e.g. an export's checksum and signature. */
  headers?: Record<string, string>;
}

interface RouteOptions<A extends RouteAuth, C extends RouteContract> {
  auth: A;
  /** The route's row of `apiContracts` (`@spot/shared`): its path, query and body schemas parse the input. */
  contract: C;
  /** Mutating routes name their audit action (`account.rename`) and resource type (`cloud-account`). */
  audit?: { action: string; resourceType: string };
}

type CallerFor<A extends RouteAuth> = A extends 'public'
  ? { caller: null }
  : A extends 'agent'
    ? { caller: AgentCaller }
    : { caller: Caller };

const empty = z.object({}).loose();
type Empty = z.infer<typeof empty>;
/** The parsed type of one input part of a contract; a part the contract does not name is an empty object. */
type InputOf<C, K extends 'body' | 'path' | 'query'> = C extends { [k in K]: infer S extends ZodType }
  ? z.infer<S>
  : Empty;
type InputFor<C extends RouteContract> = RequestInput<
  InputOf<C, 'body'>,
  InputOf<C, 'path'>,
  InputOf<C, 'query'>
>;

const json = (statusCode: number, body: unknown, requestId: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'x-request-id': requestId, 'cache-control': 'no-store' },
  body: body === undefined ? '' : JSON.stringify(body),
});

function parsePart<T extends ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    field: i.path.join('.') || where,
    message: issueMessage(i),
  }));
  const first = issues[0];
  throw new ValidationError(first ? `${first.field}: ${first.message}` : `Invalid ${where}.`, { issues });
}

function outcomeOf(statusCode: number): AuditOutcome {
  if (statusCode < 400) return 'success';
  return statusCode === 401 || statusCode === 403 ? 'denied' : 'failed';
}

/**
 * Middy's own error when the Lambda is about to reach its time limit (`timeoutEarlyResponse`). The
 * request did not fail: it ran out of time, as it does when the table or the machine is saturated, and
 * the same request a moment later usually succeeds. A 500 told the caller the opposite.
 */
const isTimeLimitError = (error: unknown): boolean =>
  error instanceof Error &&
  error.name === 'TimeoutError' &&
  (error.cause as { package?: unknown } | undefined)?.package === '@middy/core';

/**
 * The one error mapping. A throttled table (after the SDK's retries) or a request that reached the
 * function's time limit is a 503 the caller may retry; the other non-domain errors are faults of ours.
 */
export function asDomainError(error: unknown): unknown {
  return isBusyError(error) || isTimeLimitError(error) ? new ServiceBusyError({ cause: error }) : error;
}

/**
 * Maps any error to a response: domain errors keep their message, a busy table is a 503, everything else
 * is an opaque 500.
 */
export function errorResponse(thrown: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  const error = asDomainError(thrown);
  if (error instanceof ServiceBusyError) {
    logger.warn(isTimeLimitError(thrown) ? 'time limit reached' : 'table busy', {
      requestId,
      ...errorFields(thrown),
    });
  }
  if (isDomainError(error)) {
    const response = json(
      error.statusCode,
      { message: error.message, code: error.code, requestId, details: error.details },
      requestId,
    );
    if (error instanceof RateLimitedError)
      response.headers = { ...response.headers, 'retry-after': String(error.retryAfterSeconds) };
    return response;
  }
  logger.error('unhandled error', { requestId, ...errorFields(error), stack: (error as Error)?.stack });
  return json(
    500,
    {
      message: `Something went wrong on our side. Quote request id ${requestId} to support.`,
      code: 'INTERNAL',
      requestId,
    },
    requestId,
  );
}

/** Per-request state the middlewares share, kept on the Lambda context. */
interface SpotState {
  requestId: string;
  started: number;
  now: Date;
  audit: AuditNote;
  sourceIp: string | null;
  userAgent: string | null;
  caller: Caller | null;
  agent: AgentCaller | null;
  errorCode: string | null;
  input?: Record<string, unknown>;
}
type SpotContext = Context & { spot: SpotState };
type Request = middy.Request<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2 | HttpResult,
  Error,
  SpotContext
>;

/** 1. Request context, and the one structured log line per request (after everything else). */
const requestContextMiddleware = (): middy.MiddlewareObj<
  APIGatewayProxyEventV2,
  unknown,
  Error,
  SpotContext
> => {
  const logLine = (request: Request) => {
    const { spot } = request.context;
    logger.info('request', {
      requestId: spot.requestId,
      route: request.event.routeKey,
      statusCode: (request.response as APIGatewayProxyStructuredResultV2 | undefined)?.statusCode,
      durationMs: Date.now() - spot.started,
      userId: spot.caller?.userId,
      orgId: spot.caller?.orgId ?? spot.agent?.orgId,
      clusterId: spot.agent?.clusterId,
    });
  };
  return {
    before: (request) => {
      const { event, context } = request;
      context.spot = {
        requestId: event.requestContext?.requestId ?? context.awsRequestId,
        started: Date.now(),
        now: port('clock').now(),
        audit: { target: null, accountId: null },
        sourceIp: clientAddressOf(event),
        userAgent: event.requestContext?.http?.userAgent ?? event.headers?.['user-agent'] ?? null,
        caller: null,
        agent: null,
        errorCode: null,
      };
    },
    after: (request) => logLine(request as Request),
    onError: (request) => logLine(request as Request),
  };
};

/** 2. The audit record of a mutating request, whatever its outcome (runs after the response is mapped). */
const auditMiddleware = (
  audit: { action: string; resourceType: string } | undefined,
): middy.MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, SpotContext> => {
  const write = async (request: Request) => {
    const { spot } = request.context;
    const orgId = spot.caller?.orgId ?? spot.audit.orgId;
    if (!audit || !orgId) return;
    const statusCode = (request.response as APIGatewayProxyStructuredResultV2 | undefined)?.statusCode ?? 500;
    try {
      await appendAudit(
        orgId,
        {
          actorType: spot.agent ? 'system' : 'user',
          actorId: spot.caller?.userId ?? spot.audit.actorId ?? null,
          actorName: spot.caller?.email ?? spot.audit.actorName ?? 'anonymous',
          action: audit.action,
          resourceType: audit.resourceType,
          target: spot.audit.target,
          accountId: spot.audit.accountId,
          outcome: outcomeOf(statusCode),
          before: spot.audit.before,
          after: spot.audit.after,
          sourceIp: spot.sourceIp,
          userAgent: spot.userAgent,
          requestId: spot.requestId,
          errorCode: spot.errorCode,
        },
        spot.now,
      );
    } catch (error) {
      // The change itself is done; a lost audit record is an operational alarm, not a user error.
      logger.error('audit write failed', { requestId: spot.requestId, ...errorFields(error) });
    }
  };
  return { after: (r) => write(r as Request), onError: (r) => write(r as Request) };
};

/** 3. The response: a handler result becomes JSON; any error becomes a 4xx with its message or an opaque 500. */
const responseMiddleware = (): middy.MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, SpotContext> => ({
  after: (request) => {
    const result = (request.response ?? {}) as HttpResult;
    const { requestId } = request.context.spot;
    const response = result.file
      ? {
          statusCode: result.statusCode ?? 200,
          headers: {
            'content-type': result.file.contentType,
            'content-disposition': `attachment; filename="${result.file.fileName.replace(/[^\w.-]/g, '_')}"`,
            'x-request-id': requestId,
            'cache-control': 'no-store',
          },
          ...('bytes' in result.file
            ? { body: Buffer.from(result.file.bytes).toString('base64'), isBase64Encoded: true }
            : { body: result.file.text }),
        }
      : json(result.statusCode ?? 200, result.body, requestId);
    if (result.headers) response.headers = { ...response.headers, ...result.headers };
    request.response = response;
  },
  onError: (request) => {
    const { spot } = request.context;
    const error = asDomainError(request.error);
    spot.errorCode = error instanceof DomainError ? error.code : 'INTERNAL';
    request.response = errorResponse(request.error, spot.requestId);
  },
});

/**
 * 4. JWT verification and organization scoping: the organization comes from the caller's profile, never the
 * request. Agent routes take a per-cluster agent token instead: its SHA-256 names the organization and the
 * cluster.
 */
const authMiddleware = (
  auth: RouteAuth,
): middy.MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, SpotContext> => ({
  before: async (request) => {
    if (auth === 'agent') request.context.spot.agent = await authenticateAgent(request.event);
    else if (auth !== 'public') request.context.spot.caller = await authenticate(request.event, auth);
  },
});

/** `application/json`, `application/merge-patch+json`, with or without parameters (charset). */
const jsonMediaType = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/**
 * 5. zod parsing of body, path and query into the handler's input. A body must be JSON: a declared other
 * content type is a 415 (a missing header is taken as JSON, as curl and most SDKs send one anyway), and a
 * body above the route's limit is a 413 before it is parsed. Routes without a body schema ignore any body.
 */
const parseMiddleware = (schemas: {
  body?: ZodType;
  path?: ZodType;
  query?: ZodType;
  maxBodyBytes?: number;
}): middy.MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, SpotContext> => ({
  before: (request) => {
    const { event, context } = request;
    let rawBody: unknown = {};
    // A route whose contract takes no body never reads one: a body sent anyway (API Gateway passes it on
    // a GET too) is ignored, not refused, so such a route answers only what its contract declares.
    if (event.body && schemas.body) {
      const contentType = event.headers?.['content-type'] ?? event.headers?.['Content-Type'];
      if (contentType !== undefined && !jsonMediaType.test(contentType))
        throw new UnsupportedMediaTypeError(contentType);
      const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
      const maxBytes = schemas.maxBodyBytes ?? defaultMaxBodyBytes;
      if (Buffer.byteLength(text, 'utf8') > maxBytes) throw new PayloadTooLargeError(maxBytes);
      try {
        rawBody = JSON.parse(text);
      } catch {
        throw new ValidationError('The request body is not valid JSON.');
      }
    }
    const { spot } = context;
    spot.input = {
      body: parsePart(schemas.body ?? empty, rawBody, 'body'),
      // No parameters at all arrive as undefined (or null from some tools): the same as none.
      path: parsePart(schemas.path ?? empty, event.pathParameters ?? {}, 'path'),
      query: parsePart(schemas.query ?? empty, event.queryStringParameters ?? {}, 'query'),
      requestId: spot.requestId,
      sourceIp: spot.sourceIp,
      userAgent: spot.userAgent,
      now: spot.now,
      audit: spot.audit,
      caller: spot.caller ?? spot.agent,
    };
  },
});

/**
 * 6. Abuse limits of the route (route table `rateLimit`), counted in DynamoDB before the handler runs:
 * `before-auth` counts the caller's IP (so a flood costs one conditional write per request and nothing
 * else), `after-parse` the email of the body, the caller's organization and the agent's cluster. Over a
 * limit is a 429 with Retry-After.
 */
const rateLimitMiddleware = (
  scope: string,
  limits: RouteRateLimits | undefined,
  phase: 'before-auth' | 'after-parse',
): middy.MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, SpotContext> => ({
  before: async (request) => {
    const { spot } = request.context;
    const body = spot.input?.body as { email?: unknown } | undefined;
    await enforceRateLimits(
      scope,
      limitsOf(limits, phase),
      (dimension) => {
        if (dimension === 'ip') return spot.sourceIp ?? 'unknown';
        if (dimension === 'email')
          return typeof body?.email === 'string' ? body.email.toLowerCase() : undefined;
        if (dimension === 'org') return spot.caller?.orgId ?? spot.agent?.orgId;
        return spot.agent?.clusterId;
      },
      spot.now,
    );
  },
});

/**
 * The one middleware stack of every HTTP handler (middy): request context and logging, audit of
 * mutating requests, response and error mapping, abuse limits, JWT verification with organization
 * scoping, and zod parsing of body/path/query. The handler itself is then one domain call on parsed input.
 */
export function httpHandler<A extends RouteAuth, C extends RouteContract>(
  options: RouteOptions<A, C>,
  fn: (input: InputFor<C> & CallerFor<A>) => Promise<HttpResult>,
) {
  const route = routeOfContract(options.contract);
  const scope = route?.handler ?? 'unknown';
  const wrapped = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, SpotContext>()
    .use(requestContextMiddleware())
    .use(auditMiddleware(options.audit))
    .use(responseMiddleware())
    .use(rateLimitMiddleware(scope, route?.rateLimit, 'before-auth'))
    .use(authMiddleware(options.auth))
    .use(parseMiddleware(options.contract))
    .use(rateLimitMiddleware(scope, route?.rateLimit, 'after-parse'))
    .handler(async (_event, context) => {
      const result = await fn(context.spot.input as InputFor<C> & CallerFor<A>);
      return result as APIGatewayProxyStructuredResultV2;
    });
  // Lambda (and the local gateway) call it with a plain context; the `spot` state is added by the stack.
  const lambdaHandler = wrapped as unknown as (
    event: APIGatewayProxyEventV2,
    context: Context,
  ) => Promise<APIGatewayProxyStructuredResultV2>;
  return Object.assign(lambdaHandler, {
    auth: options.auth,
    audited: options.audit !== undefined,
    contract: options.contract,
  });
}

/** The agent of the token's cluster; the token itself is never stored, only its SHA-256. */
async function authenticateAgent(event: APIGatewayProxyEventV2): Promise<AgentCaller> {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token)
    throw new UnauthorizedError(
      'This request has no agent token: set the token of the cluster in the agent.',
    );
  const sha256 = createHash('sha256').update(token).digest('hex');
  const found = await getItem(agentTokenEntity, agentTokenKey(sha256), true);
  if (!found && token.startsWith(installTokenPrefix)) {
    // The agent's first push with the wizard's install token redeems it once (ADR 0051).
    const redeemed = await redeemInstallToken(token, port('clock').now());
    if (redeemed) return { kind: 'agent', orgId: redeemed.orgId, clusterId: redeemed.clusterId };
  }
  if (!found) {
    throw new UnauthorizedError(
      'This agent token is not valid (revoked or mistyped): issue a new one on the cluster page and update the agent.',
    );
  }
  return { kind: 'agent', orgId: found.orgId, clusterId: found.clusterId };
}

async function authenticate(
  event: APIGatewayProxyEventV2,
  auth: Exclude<RouteAuth, 'public' | 'agent'>,
): Promise<Caller> {
  const token = await verifyAuthorizationHeader(event.headers?.authorization ?? event.headers?.Authorization);
  const profile = await getItem(userProfileEntity, userProfileKey(token.userId));
  if (!profile)
    throw new UnauthorizedError('Your user has no organization yet. Sign up again or contact support.');
  // Cognito access tokens stay cryptographically valid after sign-out; the profile remembers the instant.
  if (isAccessTokenRevoked(token.issuedAt, profile.tokensRevokedBefore)) {
    throw new UnauthorizedError('You signed out of this session. Sign in again.');
  }
  const role = token.groups.includes('admin') ? 'admin' : 'client';
  if (auth === 'admin' && role !== 'admin')
    throw new ForbiddenError('Only platform administrators may use this page.');
  return {
    userId: token.userId,
    orgId: profile.orgId,
    email: profile.email,
    role,
    accessToken: token.accessToken,
  };
}
