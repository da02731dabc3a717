import type { ItemKeys } from '@spot/shared';
import { keyAttributes } from '@spot/shared';
import type { z } from 'zod';

/**
 * An item type of the single table: its zod schema and the one function that builds its keys.
 * `toItem` adds the keys and the entity name; `fromItem` strips them and validates what was read, so a
 * malformed item fails loudly instead of leaking into a response.
 */
export interface Entity<S extends z.ZodType<Record<string, unknown>>> {
  readonly name: string;
  readonly schema: S;
  keys(attrs: z.infer<S>): ItemKeys;
  toItem(attrs: z.infer<S>): Record<string, unknown>;
  fromItem(item: Record<string, unknown>): z.infer<S>;
}

export function defineEntity<S extends z.ZodType<Record<string, unknown>>>(
  name: string,
  schema: S,
  keys: (attrs: z.infer<S>) => ItemKeys,
  expiresAt?: (attrs: z.infer<S>) => number,
): Entity<S> {
  return {
    name,
    schema,
    keys,
    toItem(attrs) {
      const parsed = schema.parse(attrs);
      return {
        ...parsed,
        ...keys(parsed),
        entity: name,
        ...(expiresAt ? { expiresAt: expiresAt(parsed) } : {}),
      };
    },
    fromItem(item) {
      const rest: Record<string, unknown> = { ...item };
      for (const k of keyAttributes) delete rest[k];
      delete rest.entity;
      delete rest.expiresAt;
      return schema.parse(rest);
    },
  };
}
