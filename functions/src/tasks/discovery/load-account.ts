import { z } from 'zod';
import { loadAccount } from '../../domain/discovery/load-account';
import { taskHandler } from '../task';
import { discoveryInput } from './inputs';

const input = discoveryInput.extend({ executionArn: z.string().optional() });

/** LoadAccount: the account and its credentials are checked (STS) and the account turns `scanning`. */
export const handler = taskHandler('discovery/load-account', input, (i, now) => loadAccount(i, now));
