/**
 * The transient failures every task state retries: throttling or a timeout in the customer's account
 * (tasks throw `Discovery.Retryable`, see `tasks/task.ts`) and Lambda's own hiccups. Anything else is a
 * real failure that a retry would only repeat.
 */
export const transientErrors = [
  'Discovery.Retryable',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/** A task state's `Retry` for the transient failures, with exponential backoff (doubling). */
export function retryTransient(options: { intervalSeconds: number; maxAttempts: number }) {
  return [
    {
      ErrorEquals: [...transientErrors],
      IntervalSeconds: options.intervalSeconds,
      MaxAttempts: options.maxAttempts,
      BackoffRate: 2,
    },
  ];
}
