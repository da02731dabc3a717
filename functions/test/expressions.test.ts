import { describe, expect, it } from 'vitest';
import { ExpressionBuilder, InvalidAttributeNameError, where } from '../src/data/expressions';

describe('ExpressionBuilder', () => {
  it('builds a key condition on the table or an index with placeholders', () => {
    const x = new ExpressionBuilder();
    expect(x.keyCondition({ pk: 'P', skPrefix: 'C#' })).toBe('#n0 = :v0 AND begins_with(#n1, :v1)');
    expect(x.attributes()).toEqual({
      ExpressionAttributeNames: { '#n0': 'PK', '#n1': 'SK' },
      ExpressionAttributeValues: { ':v0': 'P', ':v1': 'C#' },
    });
    const g = new ExpressionBuilder();
    expect(g.keyCondition({ index: 'GSI1', pk: 'P', skFrom: 'A' })).toBe('#n0 = :v0 AND #n1 >= :v1');
    expect(g.attributes().ExpressionAttributeNames).toEqual({ '#n0': 'GSI1PK', '#n1': 'GSI1SK' });
    const b = new ExpressionBuilder();
    expect(b.keyCondition({ pk: 'P', skBetween: ['A', 'B'] })).toBe('#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2');
    expect(new ExpressionBuilder().keyCondition({ pk: 'P' })).toBe('#n0 = :v0');
  });

  it('builds conditions and filters, reusing one placeholder per name', () => {
    const x = new ExpressionBuilder();
    const expression = x.condition(
      where.or(
        where.itemNotExists(),
        where.and(where.eq('status', 'reserved'), where.lt('reservedAt', '2026'), where.isNull('status')),
      ),
    );
    expect(expression).toBe(
      '(attribute_not_exists(#n0)) OR ((#n1 = :v0) AND (#n2 < :v1) AND (attribute_type(#n1, :v2)))',
    );
    expect(x.attributes()).toEqual({
      ExpressionAttributeNames: { '#n0': 'PK', '#n1': 'status', '#n2': 'reservedAt' },
      ExpressionAttributeValues: { ':v0': 'reserved', ':v1': '2026', ':v2': 'NULL' },
    });
  });

  it('supports in, begins_with, contains, exists, not and nested map paths', () => {
    const x = new ExpressionBuilder();
    expect(x.condition(where.in('region', ['a', 'b']))).toBe('#n0 IN (:v0, :v1)');
    expect(x.condition(where.beginsWith('name', 'web'))).toBe('begins_with(#n1, :v2)');
    expect(x.condition(where.contains('name', 'x'))).toBe('contains(#n1, :v3)');
    expect(x.condition(where.exists(['tags', 'kubernetes.io/name']))).toBe('attribute_exists(#n2.#n3)');
    expect(x.condition(where.not(where.exists('name')))).toBe('NOT (attribute_exists(#n1))');
    expect(x.attributes().ExpressionAttributeNames).toEqual({
      '#n0': 'region',
      '#n1': 'name',
      '#n2': 'tags',
      '#n3': 'kubernetes.io/name',
    });
  });

  it('treats a version check of a new item as "no version yet"', () => {
    expect(new ExpressionBuilder().condition(where.version('version', undefined))).toBe(
      'attribute_not_exists(#n0)',
    );
    const x = new ExpressionBuilder();
    expect(x.condition(where.version('version', 3))).toBe('#n0 = :v0');
    expect(x.attributes().ExpressionAttributeValues).toEqual({ ':v0': 3 });
  });

  it('builds SET, if_not_exists, REMOVE and ADD clauses and skips undefined values', () => {
    const x = new ExpressionBuilder();
    const expression = x.update({
      set: { name: 'n', skipped: undefined },
      setPaths: [
        { path: ['collection', 'status'], value: 'ok' },
        { path: ['grid', 0], value: 1 },
      ],
      setIfAbsent: { createdAt: 't' },
      remove: ['old', ['tags', 'gone']],
      add: { churn: 2 },
    });
    expect(expression).toBe(
      'SET #n0 = :v0, #n1.#n2 = :v1, #n3[0] = :v2, #n4 = if_not_exists(#n4, :v3) REMOVE #n5, #n6.#n7 ADD #n8 :v4',
    );
    expect(x.attributes().ExpressionAttributeNames).not.toHaveProperty('skipped');
  });

  it('builds projections with nested paths', () => {
    const x = new ExpressionBuilder();
    expect(x.projection(['entity', ['summary', 'cost'], 'name'])).toBe('#n0, #n1.#n2, #n3');
  });

  it('omits empty placeholder maps', () => {
    expect(new ExpressionBuilder().attributes()).toEqual({});
  });

  it('refuses empty names, paths and clauses with a typed error', () => {
    const x = new ExpressionBuilder();
    expect(() => x.condition(where.exists(['tags', '']))).toThrow(InvalidAttributeNameError);
    expect(() => x.condition(where.eq('', 1))).toThrow(InvalidAttributeNameError);
    expect(() => x.path([])).toThrow(InvalidAttributeNameError);
    expect(() => x.path([0])).toThrow(InvalidAttributeNameError);
    expect(() => x.condition(where.in('region', []))).toThrow(InvalidAttributeNameError);
    expect(() => x.condition(where.and())).toThrow(InvalidAttributeNameError);
    expect(() => x.update({ set: { a: undefined } })).toThrow(InvalidAttributeNameError);
    expect(() => x.projection([])).toThrow(InvalidAttributeNameError);
    const error = (() => {
      try {
        x.name('');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });
});
