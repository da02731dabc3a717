/** Shared set-up of the sandbox tests: a sandbox on a settable clock, and its two kinds of credentials. */
import type { CloudTarget } from '@spot/functions/ports/cloud';
import { SandboxCloud, type SandboxOptions } from '../../src/sandbox/cloud';

/** Wednesday 2026-03-04 17:00 UTC: 12:00 in New York, a weekday peak for most clusters. */
export const WEEKDAY_NOON_NY = new Date('2026-03-04T17:00:00Z');

export interface TestSandbox {
  cloud: SandboxCloud;
  clock: { now(): Date; set(date: Date): void; advance(ms: number): void };
}

export function testSandbox(options: SandboxOptions = {}, start = WEEKDAY_NOON_NY): TestSandbox {
  let current = start.getTime();
  const clock = {
    now: () => new Date(current),
    set: (date: Date) => {
      current = date.getTime();
    },
    advance: (ms: number) => {
      current += ms;
    },
  };
  return { cloud: new SandboxCloud({ seed: 42, ...options, clock }), clock };
}

/** The IAM user's keys of account `index`, in `region` (default: the account's home region). */
export function keyTarget(cloud: SandboxCloud, index = 0, region?: string): CloudTarget {
  const account = cloud.accounts[index];
  if (!account) throw new Error(`no sandbox account ${index}`);
  return {
    credentials: {
      kind: 'access-key',
      accessKeyId: account.accessKeyId,
      secretAccessKey: account.secretAccessKey,
    },
    region: region ?? account.homeRegion,
  };
}
