import { z } from 'zod';

/**
 * What a polling run's workflow catch hands its Stop task (consolidation and rightsizing): the run, and
 * the Step Functions error that ended it.
 */
export const runStopInputSchema = z.object({
  orgId: z.string().min(1),
  clusterId: z.string().min(1),
  runId: z.string().min(1),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose(),
});

/** The reason a stopped run records. A Lambda error's cause is JSON (`errorMessage`); a Fail state's is plain text. */
export function runStopReason(error: z.infer<typeof runStopInputSchema>['error']): string {
  return `The run stopped: ${error.Cause ? parseCause(error.Cause) : (error.Error ?? 'unknown error')}`;
}

function parseCause(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}
