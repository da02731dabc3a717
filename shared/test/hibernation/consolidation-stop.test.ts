import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leavingNodes, type OpenNodeStep, stoppedNodeStep } from '../../src/hibernation/consolidation-stop';

describe('stoppedNodeStep', () => {
  it('a node never touched is skipped, nothing to undo', () => {
    expect(stoppedNodeStep({ node: 'a', state: 'pending', cordoned: false })).toEqual({
      node: 'a',
      close: 'skipped',
      uncordon: false,
      leaving: false,
    });
  });

  it('a draining node is uncordoned and stays: its drain was cut short', () => {
    expect(stoppedNodeStep({ node: 'b', state: 'draining', cordoned: true })).toEqual({
      node: 'b',
      close: 'failed',
      uncordon: true,
      leaving: false,
    });
  });

  it('a node whose termination was asked for leaves, closed done, and is not uncordoned', () => {
    expect(stoppedNodeStep({ node: 'c', state: 'terminating', cordoned: true })).toEqual({
      node: 'c',
      close: 'done',
      uncordon: false,
      leaving: true,
    });
  });

  it('lists the leaving nodes only', () => {
    expect(
      leavingNodes([
        { node: 'a', state: 'pending', cordoned: false },
        { node: 'b', state: 'draining', cordoned: true },
        { node: 'c', state: 'terminating', cordoned: true },
      ]),
    ).toEqual(['c']);
  });

  const step: fc.Arbitrary<OpenNodeStep> = fc.record({
    node: fc.string({ minLength: 1, maxLength: 8 }),
    state: fc.constantFrom('pending' as const, 'draining' as const, 'terminating' as const),
    cordoned: fc.boolean(),
  });

  it('property: no cordoned node is left behind, none both uncordoned and leaving, only a termination leaves', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 20 }), (steps) => {
        const leaving = new Set(leavingNodes(steps));
        for (const s of steps) {
          const stopped = stoppedNodeStep(s);
          // A cordoned node either takes pods again or goes: never left cordoned.
          if (s.cordoned) expect(stopped.uncordon || stopped.leaving).toBe(true);
          expect(stopped.uncordon && stopped.leaving).toBe(false);
          // Only a node whose termination was asked for goes; the stop asks for no termination.
          expect(stopped.leaving).toBe(s.state === 'terminating');
          expect(stopped.close === 'done').toBe(stopped.leaving);
          // A node never cordoned has nothing to uncordon.
          if (!s.cordoned) expect(stopped.uncordon).toBe(false);
          if (stopped.leaving) expect(leaving.has(s.node)).toBe(true);
        }
        expect(leaving.size).toBeLessThanOrEqual(steps.filter((s) => s.state === 'terminating').length);
      }),
    );
  });
});
