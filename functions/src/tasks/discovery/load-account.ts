import { z } from 'zod';
import { loadAccountForDiscovery } from '../../domain/discovery';
import { taskHandler } from '../task';

export const discoveryInput = z.object({ orgId: z.string().min(1), accountId: z.string().min(1) }).loose();

export const handler = taskHandler('discovery/load-account', discoveryInput, (input) =>
  loadAccountForDiscovery(input),
);
