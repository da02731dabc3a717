import type { ItemKeys } from '@spot/shared';
import type { Condition, UpdateSpec } from './expressions';
import {
  batchWrite,
  cancelledConditions,
  type Item,
  type TransactItem,
  transactCheck,
  transactDelete,
  transactPutRaw,
  transactUpdate,
  transactWrite,
  updateItem,
  type WriteRequest,
} from './repository';

/**
 * Writes described as data: a pure planner (e.g. `planSnapshotWrites`) returns them, {@link executePlan}
 * runs them in order through the repository. A plan holds only items, keys, update specs and typed
 * conditions, so it can be built and checked without a database.
 */

/** One item of a planned transaction. */
export type PlannedTransactItem =
  | { put: Item; condition?: Condition }
  | { update: ItemKeys; spec: UpdateSpec; condition?: Condition }
  | { delete: ItemKeys; condition?: Condition }
  | { check: ItemKeys; condition: Condition };

export type WriteOperation =
  /** Many puts and deletes, unconditional, in batches (unprocessed items retried). */
  | { kind: 'batch'; requests: WriteRequest[] }
  /** Named fields of one item; a failed condition fails the plan. */
  | { kind: 'update'; key: ItemKeys; spec: UpdateSpec; condition?: Condition }
  /**
   * All or nothing. When the transaction is cancelled because item `ifConditionFails.item` failed its
   * condition, `ifConditionFails.instead` runs (nothing when absent); any other failure fails the plan.
   */
  | {
      kind: 'transaction';
      items: PlannedTransactItem[];
      ifConditionFails?: { item: number; instead?: WriteOperation };
    };

function toTransactItem(item: PlannedTransactItem): TransactItem {
  if ('put' in item) return transactPutRaw(item.put, item.condition ?? false);
  if ('update' in item) return transactUpdate(item.update, item.spec, item.condition);
  if ('delete' in item) return transactDelete(item.delete, item.condition);
  return transactCheck(item.check, item.condition);
}

async function execute(op: WriteOperation): Promise<void> {
  switch (op.kind) {
    case 'batch':
      if (op.requests.length > 0) await batchWrite(op.requests);
      return;
    case 'update':
      await updateItem(op.key, op.spec, op.condition ? { condition: op.condition } : {});
      return;
    case 'transaction':
      try {
        await transactWrite(op.items.map(toTransactItem));
      } catch (error) {
        const fallback = op.ifConditionFails;
        if (!fallback || !cancelledConditions(error)?.[fallback.item]) throw error;
        if (fallback.instead) await execute(fallback.instead);
      }
      return;
  }
}

/** Runs the operations one after another; the first failure stops the plan. */
export async function executePlan(plan: readonly WriteOperation[]): Promise<void> {
  for (const op of plan) await execute(op);
}

/** How many items a plan writes (puts, deletes and updates; condition checks not counted). */
export function plannedWriteCount(plan: readonly WriteOperation[]): number {
  return plan.reduce((sum, op) => {
    if (op.kind === 'batch') return sum + op.requests.length;
    if (op.kind === 'update') return sum + 1;
    return sum + op.items.filter((i) => !('check' in i)).length;
  }, 0);
}
