import { z } from 'zod';

/** `GET /api/health`: liveness of the API and its clock. */
export const healthResponseSchema = z.object({ status: z.literal('ok'), time: z.string() });
export type HealthResponse = z.infer<typeof healthResponseSchema>;
