import { type IndexName, tableDefinition, ValidationError } from '@spot/shared';

/**
 * The only place that writes DynamoDB expression strings (key conditions, conditions, filters, updates,
 * projections). Every attribute name goes through a `#n<i>` placeholder and every value through a `:v<i>`
 * placeholder, so a reserved word or a user-chosen map key (a tag key) never breaks an expression, and an
 * empty name is refused here with a typed error instead of reaching DynamoDB as a 500.
 *
 * Pure: no SDK import, unit-tested without a database.
 */

/** A name refused before it reaches DynamoDB (an empty attribute name or path segment). */
export class InvalidAttributeNameError extends ValidationError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAttributeNameError';
  }
}

/**
 * A top-level attribute (`'status'`, taken as one name even when it contains dots) or a path into maps
 * and lists (`['tags', 'kubernetes.io/cluster']`, `['weeklyActive', 0]`).
 */
export type AttributePath = string | readonly (string | number)[];

/** DynamoDB attribute types, for `attribute_type`. */
export type AttributeType = 'S' | 'SS' | 'N' | 'NS' | 'B' | 'BS' | 'BOOL' | 'NULL' | 'L' | 'M';

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** A condition (put/update/delete/check) or a query filter; build it with {@link where}. */
export type Condition =
  | {
      readonly kind: 'compare';
      readonly path: AttributePath;
      readonly op: Comparator;
      readonly value: unknown;
    }
  | { readonly kind: 'in'; readonly path: AttributePath; readonly values: readonly unknown[] }
  | { readonly kind: 'beginsWith'; readonly path: AttributePath; readonly prefix: string }
  | { readonly kind: 'contains'; readonly path: AttributePath; readonly value: unknown }
  | { readonly kind: 'exists'; readonly path: AttributePath }
  | { readonly kind: 'notExists'; readonly path: AttributePath }
  | { readonly kind: 'type'; readonly path: AttributePath; readonly type: AttributeType }
  | { readonly kind: 'and'; readonly all: readonly Condition[] }
  | { readonly kind: 'or'; readonly any: readonly Condition[] }
  | { readonly kind: 'not'; readonly condition: Condition };

/** The typed condition/filter builder. */
export const where = {
  eq: (path: AttributePath, value: unknown): Condition => ({ kind: 'compare', path, op: '=', value }),
  ne: (path: AttributePath, value: unknown): Condition => ({ kind: 'compare', path, op: '<>', value }),
  lt: (path: AttributePath, value: unknown): Condition => ({ kind: 'compare', path, op: '<', value }),
  le: (path: AttributePath, value: unknown): Condition => ({ kind: 'compare', path, op: '<=', value }),
  gt: (path: AttributePath, value: unknown): Condition => ({ kind: 'compare', path, op: '>', value }),
  ge: (path: AttributePath, value: unknown): Condition => ({ kind: 'compare', path, op: '>=', value }),
  in: (path: AttributePath, values: readonly unknown[]): Condition => ({ kind: 'in', path, values }),
  beginsWith: (path: AttributePath, prefix: string): Condition => ({ kind: 'beginsWith', path, prefix }),
  contains: (path: AttributePath, value: unknown): Condition => ({ kind: 'contains', path, value }),
  exists: (path: AttributePath): Condition => ({ kind: 'exists', path }),
  notExists: (path: AttributePath): Condition => ({ kind: 'notExists', path }),
  isNull: (path: AttributePath): Condition => ({ kind: 'type', path, type: 'NULL' }),
  type: (path: AttributePath, type: AttributeType): Condition => ({ kind: 'type', path, type }),
  and: (...all: Condition[]): Condition => ({ kind: 'and', all }),
  or: (...any: Condition[]): Condition => ({ kind: 'or', any }),
  not: (condition: Condition): Condition => ({ kind: 'not', condition }),
  /** The item is there (its partition key exists). */
  itemExists: (): Condition => ({ kind: 'exists', path: tableDefinition.partitionKey }),
  /** No item has this key yet. */
  itemNotExists: (): Condition => ({ kind: 'notExists', path: tableDefinition.partitionKey }),
  /**
   * Optimistic locking: the stored `attribute` equals `expected`; `expected === undefined` means the item
   * is new (no such attribute yet).
   */
  version: (attribute: string, expected: number | undefined): Condition =>
    expected === undefined
      ? { kind: 'notExists', path: attribute }
      : { kind: 'compare', path: attribute, op: '=', value: expected },
};

/** Which items of one partition a query reads: a sort-key prefix, a lower bound or a range. */
export interface KeyQuery {
  index?: IndexName;
  pk: string;
  skPrefix?: string;
  skFrom?: string;
  skBetween?: readonly [string, string];
}

/** Named changes of one item; `undefined` values are skipped (the field is left as it is). */
export interface UpdateSpec {
  /** Top-level attributes to set. */
  set?: Readonly<Record<string, unknown>>;
  /** Nested paths to set (`['collection', 'status']`). */
  setPaths?: readonly { path: AttributePath; value: unknown }[];
  /** Top-level attributes set only when absent (`if_not_exists`). */
  setIfAbsent?: Readonly<Record<string, unknown>>;
  /** Attributes or paths to remove. */
  remove?: readonly AttributePath[];
  /** Numbers to add (a missing attribute counts as 0). */
  add?: Readonly<Record<string, number>>;
}

export interface ExpressionAttributes {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * Collects the placeholders of the expressions of ONE request (a request may carry a key condition, a
 * filter and a projection that share the maps).
 */
export class ExpressionBuilder {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, unknown> = {};
  private valueCount = 0;

  /** The placeholder of one attribute name. */
  name(name: string): string {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidAttributeNameError('An attribute name must not be empty.');
    }
    let placeholder = this.names.get(name);
    if (!placeholder) {
      placeholder = `#n${this.names.size}`;
      this.names.set(name, placeholder);
    }
    return placeholder;
  }

  path(path: AttributePath): string {
    if (typeof path === 'string') return this.name(path);
    if (path.length === 0) throw new InvalidAttributeNameError('An attribute path must not be empty.');
    return path
      .map((segment, i) => {
        if (typeof segment === 'number') {
          if (i === 0 || !Number.isInteger(segment) || segment < 0) {
            throw new InvalidAttributeNameError(`Invalid list index in an attribute path: ${segment}.`);
          }
          return `[${segment}]`;
        }
        return `${i === 0 ? '' : '.'}${this.name(segment)}`;
      })
      .join('');
  }

  value(value: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  condition(c: Condition): string {
    switch (c.kind) {
      case 'compare':
        return `${this.path(c.path)} ${c.op} ${this.value(c.value)}`;
      case 'in':
        if (c.values.length === 0) throw new InvalidAttributeNameError('An IN condition needs a value.');
        return `${this.path(c.path)} IN (${c.values.map((v) => this.value(v)).join(', ')})`;
      case 'beginsWith':
        return `begins_with(${this.path(c.path)}, ${this.value(c.prefix)})`;
      case 'contains':
        return `contains(${this.path(c.path)}, ${this.value(c.value)})`;
      case 'exists':
        return `attribute_exists(${this.path(c.path)})`;
      case 'notExists':
        return `attribute_not_exists(${this.path(c.path)})`;
      case 'type':
        return `attribute_type(${this.path(c.path)}, ${this.value(c.type)})`;
      case 'and':
      case 'or': {
        const parts = c.kind === 'and' ? c.all : c.any;
        if (parts.length === 0) throw new InvalidAttributeNameError(`An empty ${c.kind.toUpperCase()}.`);
        if (parts.length === 1) return this.condition(parts[0] as Condition);
        return parts.map((p) => `(${this.condition(p)})`).join(c.kind === 'and' ? ' AND ' : ' OR ');
      }
      case 'not':
        return `NOT (${this.condition(c.condition)})`;
    }
  }

  keyCondition(q: KeyQuery): string {
    const index = q.index
      ? tableDefinition.globalSecondaryIndexes.find((i) => i.indexName === q.index)
      : undefined;
    const pkName = index ? index.partitionKey : tableDefinition.partitionKey;
    const skName = index ? index.sortKey : tableDefinition.sortKey;
    const pk = `${this.name(pkName)} = ${this.value(q.pk)}`;
    if (q.skPrefix !== undefined)
      return `${pk} AND begins_with(${this.name(skName)}, ${this.value(q.skPrefix)})`;
    if (q.skFrom !== undefined) return `${pk} AND ${this.name(skName)} >= ${this.value(q.skFrom)}`;
    if (q.skBetween !== undefined) {
      return `${pk} AND ${this.name(skName)} BETWEEN ${this.value(q.skBetween[0])} AND ${this.value(q.skBetween[1])}`;
    }
    return pk;
  }

  projection(paths: readonly AttributePath[]): string {
    if (paths.length === 0) throw new InvalidAttributeNameError('A projection needs an attribute.');
    return paths.map((p) => this.path(p)).join(', ');
  }

  /** `SET … REMOVE … ADD …`; throws when the spec changes nothing. */
  update(spec: UpdateSpec): string {
    const sets: string[] = [];
    for (const [name, value] of Object.entries(spec.set ?? {})) {
      if (value !== undefined) sets.push(`${this.name(name)} = ${this.value(value)}`);
    }
    for (const { path, value } of spec.setPaths ?? []) {
      if (value !== undefined) sets.push(`${this.path(path)} = ${this.value(value)}`);
    }
    for (const [name, value] of Object.entries(spec.setIfAbsent ?? {})) {
      if (value === undefined) continue;
      const n = this.name(name);
      sets.push(`${n} = if_not_exists(${n}, ${this.value(value)})`);
    }
    const removes = (spec.remove ?? []).map((p) => this.path(p));
    const adds = Object.entries(spec.add ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([name, value]) => `${this.name(name)} ${this.value(value)}`);
    const clauses = [
      sets.length ? `SET ${sets.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
      adds.length ? `ADD ${adds.join(', ')}` : '',
    ].filter(Boolean);
    if (clauses.length === 0) throw new InvalidAttributeNameError('An update must change an attribute.');
    return clauses.join(' ');
  }

  /** The placeholder maps, omitted when empty (DynamoDB rejects empty maps). */
  attributes(): ExpressionAttributes {
    const names = Object.fromEntries([...this.names].map(([name, p]) => [p, name]));
    return {
      ...(this.names.size ? { ExpressionAttributeNames: names } : {}),
      ...(this.valueCount ? { ExpressionAttributeValues: { ...this.values } } : {}),
    };
  }
}
