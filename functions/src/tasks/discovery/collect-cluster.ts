import { z } from 'zod';
import { collectCluster } from '../../domain/discovery/collect-cluster';
import { taskHandler } from '../task';
import { runInput } from './inputs';

const input = runInput.extend({ clusterId: z.string().min(1), region: z.string().min(1) });

/** One cluster of the Map: snapshot, first back-fill, inventory, rollups and summary. */
export const handler = taskHandler('discovery/collect-cluster', input, (i, now) => collectCluster(i, now));
