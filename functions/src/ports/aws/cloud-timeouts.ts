/**
 * Time limits of every HTTP call into the customer's cloud (and of the platform's STS client that
 * assumes their roles). Without them an endpoint that accepts the connection and never answers holds a
 * Lambda until its own timeout, and the request or workflow task ends without a reason. With them the
 * call fails with a `TimeoutError`, which the adapter retries and then reports as `CLOUD_UNREACHABLE`.
 */
export interface CallTimeouts {
  /** To open the TCP (and TLS) connection. */
  connectionTimeoutMs: number;
  /** From sending the request to its whole answer. */
  requestTimeoutMs: number;
}

/**
 * AWS API calls answer in well under a second; 5 s leaves room for a slow page of a large account while
 * four attempts (`defaultRetryOptions`) still end inside the 30 s of the connect route.
 */
export const customerCallTimeouts: CallTimeouts = { connectionTimeoutMs: 3_000, requestTimeoutMs: 5_000 };

/**
 * The SDK client's `requestHandler` options. `throwOnRequestTimeout` matters: without it the SDK's
 * Node handler only logs a warning when `requestTimeout` passes and keeps waiting.
 */
export const requestHandlerOptions = (timeouts: CallTimeouts = customerCallTimeouts) => ({
  connectionTimeout: timeouts.connectionTimeoutMs,
  requestTimeout: timeouts.requestTimeoutMs,
  throwOnRequestTimeout: true,
});
