import { z } from 'zod';
import { restampAuditRetention } from '../../domain/audit-retention';
import { taskHandler } from '../task';

/** One page of the retention re-stamp; its output is the next iteration's input. */
export const handler = taskHandler(
  'audit/restamp',
  z.object({
    orgId: z.string().min(1),
    version: z.number().int().positive(),
    fromSeq: z.number().int().positive(),
  }),
  async (input) => {
    const page = await restampAuditRetention(input.orgId, input.version, input.fromSeq);
    return {
      orgId: input.orgId,
      version: input.version,
      fromSeq: page.nextSeq ?? input.fromSeq,
      done: page.nextSeq === null,
      updated: page.updated,
      superseded: page.superseded,
    };
  },
);
