import { describe, expect, it } from 'vitest';
import { refreshNote } from './refresh-note';

describe("the cluster page's refresh note", () => {
  it('names what refreshes the cluster: its agent, or the discoveries of its account', () => {
    expect(refreshNote('agent')).toBe('refreshes by itself on each snapshot its agent sends');
    expect(refreshNote('discovery')).toBe('refreshes by itself after each discovery of its account');
    // Before the detail is read it claims neither.
    expect(refreshNote(null)).toBe('refreshes by itself');
  });
});
