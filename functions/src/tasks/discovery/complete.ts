import { completeDiscovery } from '../../domain/discovery';
import { taskHandler } from '../task';
import { discoveryInput } from './load-account';

export const handler = taskHandler('discovery/complete', discoveryInput, (input, now) =>
  completeDiscovery(input, now),
);
