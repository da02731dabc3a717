import { listRegions } from '../../domain/discovery/list-regions';
import { taskHandler } from '../task';
import { discoveryInput } from './inputs';

export const handler = taskHandler('discovery/list-regions', discoveryInput, (i) => listRegions(i));
