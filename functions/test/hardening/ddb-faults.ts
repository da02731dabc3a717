import { db } from '../../src/data/client';
import { scanAllItems } from '../../src/data/table-admin';

/** DynamoDB operations that write. */
export const writeCommands = [
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
] as const;

export interface DynamoFault {
  /** Which logical calls fail: by command name, or the n-th call (1-based) since the fault was armed. */
  when: (call: { commandName: string; n: number; rateLimit: boolean }) => boolean;
  /** The error name DynamoDB answers (`ThrottlingException`, `ProvisionedThroughputExceededException`...). */
  errorName?: string;
  /** More fields of the error (`CancellationReasons` of a cancelled transaction). */
  errorFields?: Record<string, unknown>;
}

/** What an injected fault saw: logical calls, the ones failed, and wire attempts (SDK retries included). */
export interface FaultLog {
  /** `rateLimit`: a rate-limit counter's write (the routes' limiter fails open, so a fault there is no 503). */
  calls: { commandName: string; n: number; failed: boolean; rateLimit: boolean }[];
  attempts: number;
}

let armed: { fault: DynamoFault; log: FaultLog } | null = null;
const installed = new WeakSet<object>();

/**
 * Makes DynamoDB answer throttling errors inside the SDK's retry loop of the functions' document client:
 * the error is thrown below the retry middleware, so the SDK retries it with its backoff exactly as it
 * would a real `ThrottlingException`, and only what is left after `AWS_MAX_ATTEMPTS` reaches the code.
 * Every attempt of a failed logical call fails (a table throttling for a few seconds).
 */
export function armDynamoFault(fault: DynamoFault): FaultLog {
  const client = db();
  if (!installed.has(client)) {
    installed.add(client);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const state = armed;
        if (state) {
          const n = state.log.calls.length + 1;
          const commandName = String((context as { commandName?: string }).commandName);
          const rateLimit = JSON.stringify((args as { input?: unknown }).input ?? {}).includes('"RATE#');
          const failed = state.fault.when({ commandName, n, rateLimit });
          state.log.calls.push({ commandName, n, failed, rateLimit });
          (context as { faultFailed?: boolean }).faultFailed = failed;
        }
        return next(args);
      },
      { step: 'initialize', name: 'faultCount', priority: 'high' },
    );
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (armed) armed.log.attempts++;
        if ((context as { faultFailed?: boolean }).faultFailed) {
          const name = armed?.fault.errorName ?? 'ThrottlingException';
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
            name,
            $fault: 'client',
            // DynamoDB answers throttling with a 400 and its internal errors with a 500, as here.
            $metadata: { httpStatusCode: name === 'InternalServerError' ? 500 : 400, attempts: 1 },
            ...armed?.fault.errorFields,
          });
        }
        return next(args);
      },
      { step: 'deserialize', name: 'faultInject', priority: 'low' },
    );
  }
  const log: FaultLog = { calls: [], attempts: 0 };
  armed = { fault, log };
  return log;
}

export function disarmDynamoFault(): void {
  armed = null;
}

/** Every item of the table, read with a client of its own (never faulted), keyed `PK|SK`. */
export async function tableItems(tableName: string): Promise<Map<string, Record<string, unknown>>> {
  const items = await scanAllItems(
    { endpoint: process.env.DYNAMODB_ENDPOINT, region: process.env.AWS_REGION ?? 'us-east-1' },
    tableName,
  );
  return new Map(items.map((item) => [`${item.PK}|${item.SK}`, item]));
}

/**
 * Keys added, removed or changed between two table images, leaving out audit records and rate-limit
 * counters (every request counts against its caller's limits, refused or not: bookkeeping, not state).
 */
export function tableDiff(
  before: Map<string, Record<string, unknown>>,
  after: Map<string, Record<string, unknown>>,
): string[] {
  const isAudit = (key: string) => key.includes('AUDIT') || key.startsWith('RATE#');
  const changed: string[] = [];
  for (const [key, item] of after) {
    if (isAudit(key)) continue;
    const old = before.get(key);
    if (!old) changed.push(`+${key}`);
    else if (JSON.stringify(old) !== JSON.stringify(item)) changed.push(`~${key}`);
  }
  for (const key of before.keys()) if (!isAudit(key) && !after.has(key)) changed.push(`-${key}`);
  return changed;
}
