import { refreshResponseSchema } from '@spot/shared';
import type { z } from 'zod';
import { clearSession, saveSession, session, sessionFromTokens } from './session';

/** An API call that did not succeed. `message` comes from the API and is written for a person. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null = null,
    options?: { cause?: unknown },
    /** The error body's `details` (a validation failure lists its field issues there), kept for forms. */
    readonly details?: unknown,
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}

export const isApiError = (error: unknown): error is ApiError => error instanceof ApiError;

/** A message to show for any error thrown by an API call or a store action. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again.';
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiRequestOptions<T> {
  method?: HttpMethod;
  body?: unknown;
  /** Validates and types the response body; without it the body is returned unchecked. */
  schema?: z.ZodType<T>;
  /** Sends the bearer token and refreshes it on a 401. Default true; false for the sign-in routes. */
  auth?: boolean;
  signal?: AbortSignal;
}

/** Refresh a little before expiry so a request does not travel with a token that dies on the way. */
const refreshSkewMs = 30_000;

let sessionExpiredHandler: () => void = () => {};

/** Called once the session is gone for good (refresh rejected); the app routes to the sign-in page. */
export function onSessionExpired(handler: () => void): void {
  sessionExpiredHandler = handler;
}

function expireSession(): void {
  clearSession();
  sessionExpiredHandler();
}

const sessionExpiredError = () =>
  new ApiError(401, 'UNAUTHORIZED', 'Sign in again: your session is missing or has expired.');

async function send(
  path: string,
  options: ApiRequestOptions<unknown>,
  accessToken?: string,
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  try {
    return await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(
      0,
      'NETWORK_ERROR',
      'Could not reach the Spot Optimizer API. Check your connection and try again.',
      null,
      { cause },
    );
  }
}

const requestIdFrom = (response: Response): string | null =>
  response.headers.get('x-request-id') ?? response.headers.get('apigw-requestid');

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const body = await readJson(response);
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const message =
    typeof fields.message === 'string' && fields.message
      ? fields.message
      : response.status >= 502 && response.status <= 504
        ? `The API is unavailable right now (HTTP ${response.status}). Try again in a moment.`
        : `The request failed (HTTP ${response.status}).`;
  const code = typeof fields.code === 'string' ? fields.code : `HTTP_${response.status}`;
  const requestId = typeof fields.requestId === 'string' ? fields.requestId : requestIdFrom(response);
  return new ApiError(response.status, code, message, requestId, undefined, fields.details);
}

let refreshInFlight: Promise<string> | null = null;

/**
 * Exchanges the refresh token for a new access token. Concurrent callers share one request, so a burst
 * of 401s costs one refresh. Rejections by the API (4xx) end the session; network errors and 5xx do not,
 * because the refresh token may still be good once the API is back.
 */
function refreshAccessToken(): Promise<string> {
  refreshInFlight ??= (async () => {
    const current = session.value;
    if (!current?.refreshToken) throw sessionExpiredError();
    const response = await send('/api/auth/refresh', {
      method: 'POST',
      body: { refreshToken: current.refreshToken },
    });
    if (!response.ok) {
      const error = await toApiError(response);
      if (response.status >= 400 && response.status < 500) {
        expireSession();
        throw sessionExpiredError();
      }
      throw error;
    }
    const tokens = refreshResponseSchema.parse(await readJson(response));
    saveSession(sessionFromTokens(tokens, current.refreshToken));
    return tokens.accessToken;
  })().finally(() => {
    refreshInFlight = null;
  });
  return refreshInFlight;
}

async function currentAccessToken(): Promise<string> {
  const current = session.value;
  if (!current) {
    expireSession();
    throw sessionExpiredError();
  }
  if (current.expiresAtMs - Date.now() < refreshSkewMs) return refreshAccessToken();
  return current.accessToken;
}

async function parseBody<T>(response: Response, schema: z.ZodType<T> | undefined): Promise<T> {
  const body = await readJson(response);
  if (!schema) return body as T;
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ApiError(
    response.status,
    'UNEXPECTED_RESPONSE',
    'The API answered in a form this page does not understand. Reload the page; if it persists, report it.',
    requestIdFrom(response),
    { cause: parsed.error },
  );
}

/**
 * Calls a same-origin `/api/...` route. With `auth` (the default) it sends the bearer token, and on a
 * 401 refreshes the token once and retries once; if the session cannot be renewed it is cleared and the
 * session-expired handler runs. Non-2xx answers are thrown as {@link ApiError}.
 */
export async function apiRequest<T = unknown>(path: string, options: ApiRequestOptions<T> = {}): Promise<T> {
  return parseBody(await apiResponse(path, options), options.schema);
}

/**
 * {@link apiRequest} without reading the body: the successful response itself, for a caller that reads
 * the body as a stream (an export with a progress bar) or needs its headers.
 */
export async function apiResponse(
  path: string,
  options: Omit<ApiRequestOptions<unknown>, 'schema'> = {},
): Promise<Response> {
  const auth = options.auth ?? true;
  let response = await send(path, options, auth ? await currentAccessToken() : undefined);
  if (auth && response.status === 401) {
    response = await send(path, options, await refreshAccessToken());
    if (response.status === 401) {
      expireSession();
      throw await toApiError(response);
    }
  }
  if (!response.ok) throw await toApiError(response);
  return response;
}

export const api = {
  get: <T>(
    path: string,
    schema?: z.ZodType<T>,
    options: Omit<ApiRequestOptions<T>, 'schema' | 'method'> = {},
  ) => apiRequest<T>(path, { ...options, method: 'GET', ...(schema ? { schema } : {}) }),
  post: <T>(
    path: string,
    body: unknown,
    schema?: z.ZodType<T>,
    options: Omit<ApiRequestOptions<T>, 'schema' | 'method' | 'body'> = {},
  ) => apiRequest<T>(path, { ...options, method: 'POST', body, ...(schema ? { schema } : {}) }),
  put: <T>(
    path: string,
    body: unknown,
    schema?: z.ZodType<T>,
    options: Omit<ApiRequestOptions<T>, 'schema' | 'method' | 'body'> = {},
  ) => apiRequest<T>(path, { ...options, method: 'PUT', body, ...(schema ? { schema } : {}) }),
  patch: <T>(
    path: string,
    body: unknown,
    schema?: z.ZodType<T>,
    options: Omit<ApiRequestOptions<T>, 'schema' | 'method' | 'body'> = {},
  ) => apiRequest<T>(path, { ...options, method: 'PATCH', body, ...(schema ? { schema } : {}) }),
  delete: (path: string, options: Omit<ApiRequestOptions<unknown>, 'schema' | 'method' | 'body'> = {}) =>
    apiRequest<unknown>(path, { ...options, method: 'DELETE' }).then(() => undefined),
};
