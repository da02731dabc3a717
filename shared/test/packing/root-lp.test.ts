import { describe, expect, it } from 'vitest';
import { podsPerNode } from '../../src/packing/colgen';
import { vectorProblem } from './helpers';

describe('root column generation (issue 18: the root LP on large clusters)', () => {
  it('counts the pods a node holds from the classes it accepts, whatever other types have (GPUs)', () => {
    // CPU, memory, pod slots, GPUs: type 0 has no GPU, type 1 has one. The GPU class cannot go on type
    // 0, which must not make type 0 "hold no pods" (it holds 30 of the small class).
    const p = vectorProblem({
      sizes: [
        [100, 100, 1, 0],
        [500, 400, 1, 0],
        [1000, 1000, 1, 1],
      ],
      demand: [50, 10, 2],
      capacities: [
        [3000, 8000, 110, 0],
        [4000, 16000, 58, 1],
      ],
      costs: [1, 3],
      compatible: [
        [1, 1, 0],
        [1, 1, 1],
      ],
    });
    expect(podsPerNode(p, 0)).toBe(30);
    expect(podsPerNode(p, 1)).toBe(40);
  });
});
