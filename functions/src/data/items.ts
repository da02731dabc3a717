import { type ItemKeys, keyAttributes, tableDefinition } from '@spot/shared';

/** Pure helpers on items as stored (no SDK): planners use them without a database. */

/** An item as stored (keys and attributes), e.g. a projected read. */
export type Item = Record<string, unknown>;

/** The primary key of an item as stored (e.g. to delete an item that was read). */
export const keyOfItem = (item: Item): ItemKeys => ({
  PK: String(item[tableDefinition.partitionKey]),
  SK: String(item[tableDefinition.sortKey]),
});

/** An item as stored without its key attributes: what an update may set. */
export function attributesOf(item: Item): Item {
  const rest = { ...item };
  for (const k of keyAttributes) delete rest[k];
  return rest;
}
