import { accountListResponseSchema } from '@spot/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, apiResponse, onSessionExpired } from './client';
import { clearSession, saveSession, session } from './session';

type Reply = { status: number; body?: unknown };

/** A fetch stand-in answering by path from a queue per path, recording what was sent. */
function stubFetch(replies: Record<string, Reply[]>) {
  const calls: { path: string; authorization: string | undefined; body: unknown }[] = [];
  const fetchMock = vi.fn(async (path: string, init: RequestInit) => {
    const headers = init.headers as Record<string, string>;
    calls.push({
      path,
      authorization: headers.authorization,
      body: init.body ? JSON.parse(String(init.body)) : undefined,
    });
    const reply = replies[path]?.shift();
    if (!reply) throw new TypeError('fetch failed');
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    return new Response(text || null, {
      status: reply.status,
      headers: { 'content-type': 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}

const hourFromNow = () => Date.now() + 3_600_000;
const accounts = { items: [] };

describe('api client', () => {
  const expired = vi.fn();

  beforeEach(() => {
    saveSession({ accessToken: 'at1', idToken: 'id1', refreshToken: 'rt1', expiresAtMs: hourFromNow() });
    expired.mockReset();
    onSessionExpired(expired);
  });

  afterEach(() => {
    clearSession();
    vi.unstubAllGlobals();
  });

  it('sends the bearer token and parses the body with the schema', async () => {
    const calls = stubFetch({ '/api/client/accounts': [{ status: 200, body: accounts }] });
    await expect(api.get('/api/client/accounts', accountListResponseSchema)).resolves.toEqual(accounts);
    expect(calls[0]?.authorization).toBe('Bearer at1');
  });

  it('hands back the raw response (headers, unread body) after the same refresh, or throws ApiError', async () => {
    const calls = stubFetch({
      '/api/client/audit/exports': [
        { status: 401, body: { message: 'expired' } },
        { status: 200, body: { records: [] } },
        { status: 400, body: { message: 'to: from must be before to', code: 'VALIDATION_FAILED' } },
      ],
      '/api/auth/refresh': [{ status: 200, body: { accessToken: 'at2', idToken: 'id2', expiresIn: 3600 } }],
    });
    const response = await apiResponse('/api/client/audit/exports', {
      method: 'POST',
      body: { format: 'csv' },
    });
    expect(response.bodyUsed).toBe(false);
    expect(await response.json()).toEqual({ records: [] });
    expect(calls.at(-1)?.authorization).toBe('Bearer at2');
    const error = await apiResponse('/api/client/audit/exports', { method: 'POST', body: {} }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('VALIDATION_FAILED');
  });

  it('keeps the field issues of a 400 so forms can show them under their field', async () => {
    const issues = [{ field: 'name', message: 'Keep the name to 60 characters or fewer.' }];
    stubFetch({
      '/api/client/accounts': [
        { status: 400, body: { message: 'name: too long', code: 'VALIDATION_FAILED', details: { issues } } },
      ],
    });
    const error = await api.get('/api/client/accounts', accountListResponseSchema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).details).toEqual({ issues });
  });

  it('on a 401 refreshes once, keeps the refresh token and retries with the new access token', async () => {
    const calls = stubFetch({
      '/api/client/accounts': [
        { status: 401, body: { message: 'expired' } },
        { status: 200, body: accounts },
      ],
      '/api/auth/refresh': [{ status: 200, body: { accessToken: 'at2', idToken: 'id2', expiresIn: 3600 } }],
    });
    await expect(api.get('/api/client/accounts', accountListResponseSchema)).resolves.toEqual(accounts);
    expect(calls.map((c) => `${c.path} ${c.authorization ?? '-'}`)).toEqual([
      '/api/client/accounts Bearer at1',
      '/api/auth/refresh -',
      '/api/client/accounts Bearer at2',
    ]);
    expect(calls[1]?.body).toEqual({ refreshToken: 'rt1' });
    expect(session.value?.refreshToken).toBe('rt1');
    expect(expired).not.toHaveBeenCalled();
  });

  it('shares one refresh between concurrent 401s', async () => {
    const calls = stubFetch({
      '/api/me': [{ status: 401 }, { status: 401 }, { status: 200, body: {} }, { status: 200, body: {} }],
      '/api/auth/refresh': [{ status: 200, body: { accessToken: 'at2', idToken: 'id2', expiresIn: 3600 } }],
    });
    await Promise.all([api.get('/api/me'), api.get('/api/me')]);
    expect(calls.filter((c) => c.path === '/api/auth/refresh')).toHaveLength(1);
  });

  it('clears the session and reports expiry when the refresh is rejected', async () => {
    stubFetch({
      '/api/me': [{ status: 401 }],
      '/api/auth/refresh': [{ status: 400, body: { message: 'Refresh token has expired' } }],
    });
    await expect(api.get('/api/me')).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(session.value).toBeNull();
    expect(expired).toHaveBeenCalledOnce();
  });

  it('keeps the session when the refresh fails for a network reason', async () => {
    stubFetch({ '/api/me': [{ status: 401 }], '/api/auth/refresh': [] });
    await expect(api.get('/api/me')).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
    expect(session.value?.refreshToken).toBe('rt1');
    expect(expired).not.toHaveBeenCalled();
  });

  it('refreshes before sending when the access token is about to expire', async () => {
    saveSession({ accessToken: 'old', idToken: 'i', refreshToken: 'rt1', expiresAtMs: Date.now() + 1_000 });
    const calls = stubFetch({
      '/api/me': [{ status: 200, body: {} }],
      '/api/auth/refresh': [{ status: 200, body: { accessToken: 'fresh', idToken: 'i', expiresIn: 3600 } }],
    });
    await api.get('/api/me');
    expect(calls.map((c) => c.authorization ?? c.path)).toEqual(['/api/auth/refresh', 'Bearer fresh']);
  });

  it('throws ApiError with message, code and request id from the JSON body', async () => {
    stubFetch({
      '/api/auth/token': [
        {
          status: 401,
          body: { message: 'Incorrect email or password.', code: 'INVALID_CREDENTIALS', requestId: 'r-1' },
        },
      ],
    });
    const error = await api
      .post('/api/auth/token', { email: 'a@b.co', password: 'x' }, undefined, { auth: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 401,
      code: 'INVALID_CREDENTIALS',
      message: 'Incorrect email or password.',
      requestId: 'r-1',
    });
    // A failed sign-in is not an expired session.
    expect(expired).not.toHaveBeenCalled();
  });

  it('explains a gateway error without a JSON body', async () => {
    stubFetch({ '/api/me': [{ status: 502 }] });
    await expect(api.get('/api/me')).rejects.toMatchObject({
      status: 502,
      code: 'HTTP_502',
      message: expect.stringContaining('unavailable'),
    });
  });

  it('rejects a body that does not match the schema', async () => {
    stubFetch({ '/api/client/accounts': [{ status: 200, body: { items: [{ id: 1 }] } }] });
    await expect(api.get('/api/client/accounts', accountListResponseSchema)).rejects.toMatchObject({
      code: 'UNEXPECTED_RESPONSE',
    });
  });
});
