/**
 * The local EventBridge Scheduler: keeps schedules in memory (and in `<dataDir>/schedules.json` so a
 * restart keeps them), computes each one's next fire time with {@link nextFireTime} on an injected
 * clock, and fires targets through an injected `fire` (the stack wires it to the local workflow runner).
 *
 * Behaviour where the service leaves room:
 * - rate() without a start date fires at once and then every period from that moment (the service
 *   "starts invoking the target immediately"); with `startAt` (the service's StartDate) it first fires
 *   at that instant, then every period from it. cron() with `startAt` fires at its first match from then.
 * - Upserting with another expression, zone or `startAt` re-times the schedule; the same timing keeps
 *   its cadence (only the target changes).
 * - A one-time schedule whose time has already passed when it is created fires once, at the next tick.
 * - Fires missed while the stack was stopped are coalesced: one fire at start-up, then the normal cadence.
 * - A fire is recorded before its target starts, so a stack killed while firing never fires that slot
 *   twice after a restart.
 * - A one-time schedule stays listed after it fires (ActionAfterCompletion NONE) until deleted or re-armed
 *   with upsertSchedule.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Clock, SchedulerPort, ScheduleSpec } from '@spot/functions/ports/types';
import { z } from 'zod';
import { ianaZone, nextFireTime, parseScheduleExpression } from './schedule-expression';
import { writeJsonAtomic } from './stack-state';

export interface ScheduleState {
  spec: ScheduleSpec;
  /** When the schedule was created or its expression last changed; the start of rate() cadences. */
  startDate: string;
  /** ISO instant of the next fire, or null when it will not fire again. */
  nextFireAt: string | null;
  lastFiredAt?: string;
}

export interface LocalSchedulerOptions {
  clock: Clock;
  fire: (target: ScheduleSpec['target'], schedule: ScheduleSpec) => Promise<unknown>;
  /** JSON file the schedules are kept in; omit to keep them in memory only. */
  dataFile?: string;
  /** How often the loop looks for due schedules (default 1 s; EventBridge's precision is 60 s). */
  tickMs?: number;
  log?: (message: string) => void;
}

const fileSchema = z.object({
  version: z.literal(1),
  schedules: z.array(
    z.object({
      spec: z.object({
        name: z.string(),
        expression: z.string(),
        timeZone: z.string(),
        target: z.object({ workflow: z.string(), input: z.record(z.string(), z.unknown()) }),
        // JSON keeps the Date as its ISO string.
        startAt: z.coerce.date().optional(),
      }),
      startDate: z.string(),
      nextFireAt: z.string().nullable(),
      lastFiredAt: z.string().optional(),
    }),
  ),
});

export class LocalScheduler implements SchedulerPort {
  private readonly schedules = new Map<string, ScheduleState>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<number> | undefined;
  private readonly log: (message: string) => void;

  constructor(private readonly options: LocalSchedulerOptions) {
    this.log = options.log ?? (() => {});
    if (options.dataFile && existsSync(options.dataFile)) this.load(options.dataFile);
  }

  async upsertSchedule(spec: ScheduleSpec): Promise<void> {
    // Validate as the service would, before storing anything.
    parseScheduleExpression(spec.expression);
    ianaZone(spec.timeZone);
    const now = this.options.clock.now();
    const existing = this.schedules.get(spec.name);
    const sameTiming =
      existing &&
      existing.spec.expression === spec.expression &&
      existing.spec.timeZone === spec.timeZone &&
      existing.spec.startAt?.getTime() === spec.startAt?.getTime();
    const state: ScheduleState = sameTiming
      ? { ...existing, spec: structuredClone(spec) }
      : {
          spec: structuredClone(spec),
          startDate: (spec.startAt && spec.startAt > now ? spec.startAt : now).toISOString(),
          nextFireAt: firstFireAt(spec, now)?.toISOString() ?? null,
        };
    this.schedules.set(spec.name, state);
    this.save();
  }

  async deleteSchedule(name: string): Promise<void> {
    this.schedules.delete(name);
    this.save();
  }

  listSchedules(): ScheduleState[] {
    return [...this.schedules.values()].map((s) => structuredClone(s));
  }

  getSchedule(name: string): ScheduleState | undefined {
    const state = this.schedules.get(name);
    return state && structuredClone(state);
  }

  /** Starts the loop that fires due schedules. */
  start(): void {
    if (this.timer) return;
    const loop = () => {
      this.timer = setTimeout(async () => {
        await this.tick();
        if (this.timer) loop();
      }, this.options.tickMs ?? 1_000);
      this.timer.unref();
    };
    loop();
  }

  /** Stops the loop and waits for a fire in progress. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /**
   * Fires every schedule due at the clock's current time, once each, and moves it to its next fire time.
   * Resolves with the number fired. Tests call it directly after moving their clock.
   */
  tick(): Promise<number> {
    if (!this.ticking) {
      this.ticking = this.fireDue().finally(() => {
        this.ticking = undefined;
      });
    }
    return this.ticking;
  }

  private async fireDue(): Promise<number> {
    const now = this.options.clock.now();
    const due = [...this.schedules.values()].filter(
      (s) => s.nextFireAt !== null && Date.parse(s.nextFireAt) <= now.getTime(),
    );
    for (const state of due) {
      state.lastFiredAt = now.toISOString();
      state.nextFireAt =
        nextFireTime(state.spec.expression, state.spec.timeZone, now, {
          startDate: new Date(state.startDate),
        })?.toISOString() ?? null;
    }
    // Recorded before anything fires: a stack killed mid-fire must not fire the same slot again when it
    // restarts (at most once, like the service; a discovery cut off that way is resumed at start-up).
    if (due.length) this.save();
    for (const { spec } of due) {
      try {
        await this.options.fire(structuredClone(spec.target), structuredClone(spec));
        this.log(`schedule ${spec.name} fired (${spec.expression}, ${spec.timeZone})`);
      } catch (err) {
        this.log(`schedule ${spec.name} failed to fire: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return due.length;
  }

  private load(file: string): void {
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      this.log(`ignoring ${file}: not a valid schedules file (${parsed.error.message})`);
      return;
    }
    for (const state of parsed.data.schedules) {
      this.schedules.set(state.spec.name, state as ScheduleState);
    }
  }

  private save(): void {
    if (!this.options.dataFile) return;
    writeJsonAtomic(this.options.dataFile, { version: 1, schedules: [...this.schedules.values()] });
  }
}

/**
 * When a new (or re-timed) schedule first fires: rate() at its start (`startAt`, else at once), a past
 * at() at once, cron() at its next match from its start.
 */
function firstFireAt(spec: ScheduleSpec, now: Date): Date | null {
  const parsed = parseScheduleExpression(spec.expression);
  const start = spec.startAt && spec.startAt > now ? spec.startAt : now;
  if (parsed.kind === 'rate') return start;
  if (parsed.kind === 'at') {
    // The instant itself, even when already past: then it is due at the next tick and fires once.
    return nextFireTime(spec.expression, spec.timeZone, new Date(0)) ?? now;
  }
  // A match exactly at the start counts: look from just before it.
  return nextFireTime(spec.expression, spec.timeZone, start === now ? now : new Date(start.getTime() - 1));
}
