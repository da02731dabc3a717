import { z } from 'zod';
import { stopRightsizingRun } from '../../domain/rightsizing-run';
import { taskHandler } from '../task';

/** The workflow's catch: an unexpected failure stops the run, each open step closed with the reason. */
export const handler = taskHandler(
  'rightsizing/stop',
  z.object({
    orgId: z.string().min(1),
    clusterId: z.string().min(1),
    runId: z.string().min(1),
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose(),
  }),
  async (input, now) => {
    const cause = input.error.Cause ? parseCause(input.error.Cause) : (input.error.Error ?? 'unknown error');
    return stopRightsizingRun(input.orgId, input.clusterId, input.runId, `The run stopped: ${cause}`, now);
  },
);

/** A Lambda error's cause is JSON (`errorMessage`); a Fail state's is plain text. */
function parseCause(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}
