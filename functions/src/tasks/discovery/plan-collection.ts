import { z } from 'zod';
import { planCollection } from '../../domain/discovery/plan-collection';
import { taskHandler } from '../task';
import { regionResult, runInput } from './inputs';

const input = runInput.extend({ regionResults: z.array(regionResult) });

/** The clusters of the regions read, in collection order (the items of the two Maps), published as pending. */
export const handler = taskHandler('discovery/plan-collection', input, (i, now) => planCollection(i, now));
