import { describe, expect, it } from 'vitest';
import { watchEventLoop } from '../src/event-loop';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('watchEventLoop', () => {
  it('logs a synchronous block longer than the threshold, and nothing while the loop is free', async () => {
    const lines: string[] = [];
    const stop = watchEventLoop((line) => lines.push(line), 400, 20);
    await sleep(100);
    expect(lines).toEqual([]);
    const until = performance.now() + 800;
    while (performance.now() < until) {
      // Busy: what a long synchronous computation does to the loop.
    }
    await sleep(60);
    stop();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^event loop blocked for \d+ ms$/);
    expect(Number(lines[0]?.match(/\d+/)?.[0])).toBeGreaterThanOrEqual(400);
  });
});
