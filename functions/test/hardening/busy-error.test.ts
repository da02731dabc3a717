import { describe, expect, it } from 'vitest';
import { isBusyError } from '../../src/data/client';
import { errorResponse } from '../../src/http/handler';

const named = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error('x'), { name, ...extra });
const cancelled = (...codes: string[]) =>
  named('TransactionCanceledException', { CancellationReasons: codes.map((Code) => ({ Code })) });

describe('isBusyError', () => {
  it('takes throttling, 5xx and transaction conflicts as busy', () => {
    for (const name of [
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
      'RequestLimitExceeded',
      'InternalServerError',
      'TransactionConflictException',
    ])
      expect(isBusyError(named(name)), name).toBe(true);
    expect(isBusyError(cancelled('None', 'TransactionConflict'))).toBe(true);
    expect(isBusyError(cancelled('ThrottlingError', 'None'))).toBe(true);
  });

  it('leaves a false condition, a bad request and anything else to the code', () => {
    expect(isBusyError(cancelled('ConditionalCheckFailed', 'TransactionConflict'))).toBe(false);
    expect(isBusyError(cancelled('None', 'None'))).toBe(false);
    expect(isBusyError(named('ConditionalCheckFailedException'))).toBe(false);
    expect(isBusyError(named('ValidationException'))).toBe(false);
    expect(isBusyError(new TypeError('x'))).toBe(false);
    expect(isBusyError(undefined)).toBe(false);
  });

  it('becomes a 503 SERVICE_BUSY without internals in the one error mapping', () => {
    const res = errorResponse(named('ThrottlingException'), 'req-1');
    expect(res.statusCode).toBe(503);
    const body = JSON.parse(String(res.body));
    expect(body).toMatchObject({ code: 'SERVICE_BUSY', requestId: 'req-1' });
    expect(body.message).toBe('The service is busy; try again in a few seconds.');
    expect(errorResponse(named('ValidationException'), 'req-2').statusCode).toBe(500);
  });

  it('a request that reaches the function time limit (middy timeoutEarlyResponse) is a 503 to retry, not a 500', () => {
    const timedOut = new Error('[AbortError]: The operation was aborted.', {
      cause: { package: '@middy/core' },
    });
    timedOut.name = 'TimeoutError';
    const res = errorResponse(timedOut, 'req-3');
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(String(res.body))).toMatchObject({ code: 'SERVICE_BUSY', requestId: 'req-3' });
    // Another library's error of the same name is still ours to investigate.
    expect(errorResponse(named('TimeoutError'), 'req-4').statusCode).toBe(500);
  });
});
