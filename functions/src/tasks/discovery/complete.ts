import { z } from 'zod';
import { completeDiscovery } from '../../domain/discovery/complete';
import { taskHandler } from '../task';
import { clusterResult, regionResult, runInput } from './inputs';

const input = runInput.extend({
  regionResults: z.array(regionResult),
  firstClusterResults: z.array(clusterResult),
  clusterResults: z.array(clusterResult),
});

export const handler = taskHandler('discovery/complete', input, (i, now) => completeDiscovery(i, now));
