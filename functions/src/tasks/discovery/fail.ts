import { causeMessage } from '../../domain/discovery/common';
import { failDiscovery } from '../../domain/discovery/fail';
import { taskHandler } from '../task';
import { discoveryInput, stateError } from './inputs';

const input = discoveryInput.extend({ error: stateError.optional() });

/** The Catch of every discovery state lands here with `$.error` = { Error, Cause }. */
export const handler = taskHandler('discovery/fail', input, (i, now) =>
  failDiscovery(i, causeMessage(i.error), now),
);
