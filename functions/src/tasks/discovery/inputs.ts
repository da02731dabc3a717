import { z } from 'zod';

/** What every discovery task receives: the account, by id. Credentials are loaded by each task. */
export const discoveryInput = z.object({ orgId: z.string().min(1), accountId: z.string().min(1) }).loose();

export const runInput = discoveryInput.extend({ runId: z.string().min(1) });

/** `{ Error, Cause }` as a Catch hands a failed state's error to the next state. */
export const stateError = z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose();

export const regionResult = z.union([
  z
    .object({
      region: z.string(),
      ok: z.literal(true),
      instanceCount: z.number(),
      runningInstanceCount: z.number(),
      autoScalingGroupCount: z.number(),
      monthlyRunRateUsd: z.number(),
      clusters: z.array(
        z.object({ clusterId: z.string(), name: z.string(), nodeCount: z.number().int().nonnegative() }),
      ),
      pricesError: z.string().nullable(),
    })
    .loose(),
  z.object({ region: z.string(), ok: z.literal(false), error: stateError.optional() }).loose(),
]);

export const clusterResult = z
  .object({
    clusterId: z.string(),
    ok: z.boolean(),
    error: z.union([z.object({ code: z.string(), message: z.string() }), stateError]).optional(),
  })
  .loose();
