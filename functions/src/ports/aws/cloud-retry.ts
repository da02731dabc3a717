import { isRetryable } from './cloud-errors';

/**
 * Retries of customer-account calls. The SDK clients are built with `maxAttempts: 1` so that this is the
 * only retry policy: exponential backoff with jitter, a bounded number of attempts, and a `sleep` that
 * tests replace so they never wait.
 */
export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Ceiling of the first delay; doubles on each attempt up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (delayMs: number) => Promise<void>;
  /** In [0, 1): the jitter. */
  random: () => number;
}

export const defaultRetryOptions: RetryOptions = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  sleep: (delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs)),
  random: Math.random,
};

export class Retrier {
  constructor(private readonly options: RetryOptions = defaultRetryOptions) {}

  /**
   * Delay before attempt `failedAttempts + 1`, in ms: "equal jitter", half of the exponential ceiling
   * plus a random share of the other half, so retries of parallel calls spread out but never fire at once.
   */
  delayMs(failedAttempts: number): number {
    const { baseDelayMs, maxDelayMs, random } = this.options;
    const ceilingMs = Math.min(maxDelayMs, baseDelayMs * 2 ** (failedAttempts - 1));
    return Math.round(ceilingMs / 2 + (random() * ceilingMs) / 2);
  }

  async run<R>(call: () => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (attempt >= this.options.maxAttempts || !isRetryable(error)) throw error;
        await this.options.sleep(this.delayMs(attempt));
      }
    }
  }

  /**
   * Collects every page of an SDK paginator. A retryable failure of one page re-opens the paginator at
   * the token of the last page received, so a throttled page 7 costs one page, not the six before it.
   * `open` must build a fresh input object each time: the SDK paginators write the token into it.
   */
  async pages<P>(
    open: (startingToken: string | undefined) => AsyncIterable<P>,
    nextToken: (page: P) => string | undefined,
  ): Promise<P[]> {
    const pages: P[] = [];
    let token: string | undefined;
    let iterator = open(undefined)[Symbol.asyncIterator]();
    let failures = 0;
    for (;;) {
      let step: IteratorResult<P>;
      try {
        step = await iterator.next();
        failures = 0;
      } catch (error) {
        failures++;
        if (failures >= this.options.maxAttempts || !isRetryable(error)) throw error;
        await this.options.sleep(this.delayMs(failures));
        iterator = open(token)[Symbol.asyncIterator]();
        continue;
      }
      if (step.done) return pages;
      pages.push(step.value);
      token = nextToken(step.value);
    }
  }
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the order of `items`. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
