import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainHash, genesisHash, verifyChain } from '../src/domain/audit';

const build = (actions: string[]) => {
  let prev = genesisHash;
  return actions.map((action, i) => {
    const body = { seq: i + 1, action, prevHash: prev };
    const hash = chainHash(prev, body);
    prev = hash;
    return { ...body, hash };
  });
};

describe('audit hash chain', () => {
  it('verifies an intact chain', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 30 }), (actions) => {
        expect(verifyChain(build(actions))).toBeNull();
      }),
    );
  });

  it('finds the first tampered record, whatever is changed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.string(),
        (actions, k, replacement) => {
          const chain = build(actions);
          const i = k % chain.length;
          const original = chain[i];
          if (!original || original.action === replacement) return;
          chain[i] = { ...original, action: replacement };
          expect(verifyChain(chain)).toBe(i + 1);
        },
      ),
    );
  });

  it('detects a deleted record, naming the missing sequence number', () => {
    const chain = build(['a', 'b', 'c']);
    chain.splice(1, 1);
    expect(verifyChain(chain)).toBe(2);
  });
});
