import { z } from 'zod';
import { planCollection } from '../../domain/discovery/plan-collection';
import { taskHandler } from '../task';
import { discoveryInput, regionResult } from './inputs';

const input = discoveryInput.extend({ regionResults: z.array(regionResult) });

/** The clusters of the regions that were read, as the items of the CollectClusters Map. */
export const handler = taskHandler('discovery/plan-collection', input, async (i) => planCollection(i));
