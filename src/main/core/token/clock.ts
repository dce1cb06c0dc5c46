/** Wall clock and timers, injectable so tests can jump time (sleep, clock changes) without waiting. */
export interface Clock {
  now(): number;
  /**
   * `keepAlive`: a caller is waiting on this timer (a request, `login`'s check), so it must keep the
   * process alive. Background timers (the refresh schedule) never do: they must not keep a finished
   * CLI command running, and a waiting one exiting early with code 13 was the bug this flag fixes.
   */
  setTimeout(callback: () => void, ms: number, keepAlive?: boolean): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms, keepAlive = false) => {
    const timer = setTimeout(callback, ms);
    // Never keep a CLI process alive just for a refresh timer.
    if (!keepAlive) timer.unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A manual clock for tests: `advance(ms)` moves time and fires due timers in order; `jump(ms)` moves time without firing (a suspended machine). */
export class ManualClock implements Clock {
  private timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;

  constructor(public time = Date.now()) {}

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Delay until the next timer, or null. */
  nextTimerIn(): number | null {
    let min: number | null = null;
    for (const timer of this.timers.values()) min = min === null ? timer.at - this.time : Math.min(min, timer.at - this.time);
    return min;
  }

  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | null = null;
      for (const entry of this.timers) if (entry[1].at <= target && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].callback();
    }
    this.time = target;
  }

  jump(ms: number): void {
    this.time += ms;
  }
}
