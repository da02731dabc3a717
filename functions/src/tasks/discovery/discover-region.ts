import { z } from 'zod';
import { discoverRegion } from '../../domain/discovery/discover-region';
import { taskHandler } from '../task';
import { runInput } from './inputs';

const input = runInput.extend({ region: z.string().min(1) });

/** One region of the Map: instances, ASGs, EKS clusters, node groups and prices, written to the table. */
export const handler = taskHandler('discovery/discover-region', input, (i, now) => discoverRegion(i, now));
