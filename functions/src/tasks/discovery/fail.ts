import { z } from 'zod';
import { failDiscovery } from '../../domain/discovery';
import { taskHandler } from '../task';
import { discoveryInput } from './load-account';

const input = discoveryInput.extend({
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose().optional(),
});

/** The Catch of every discovery state lands here with `$.error` = { Error, Cause }. */
export const handler = taskHandler('discovery/fail', input, (i, now) => {
  let cause = i.error?.Error ?? 'unknown error';
  try {
    const parsed = JSON.parse(i.error?.Cause ?? '{}') as { errorMessage?: string };
    if (parsed.errorMessage) cause = parsed.errorMessage;
  } catch {
    // Cause is plain text when the error did not come from a Lambda.
    if (i.error?.Cause) cause = i.error.Cause;
  }
  return failDiscovery(i, cause, now);
});
