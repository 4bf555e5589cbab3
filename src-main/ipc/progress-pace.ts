/**
 * Progress events at most once per interval, the last one always sent: a progress that comes
 * within an interval of the one sent goes out when the interval ends, so a job that pauses (a
 * backoff, a slow batch, a test's gate) shows how far it got. One timer at most, cleared
 * whenever an event goes out; after `end` nothing more is sent (a timer armed before a
 * progress sent at once must not say "running" after the job's last word).
 */
export class ProgressPace<T> {
  private last: T | undefined
  private lastSent = -Infinity
  private timer: ReturnType<typeof setTimeout> | undefined
  private ended = false

  constructor(
    private readonly send: (progress: T) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now()
  ) {}

  /** Takes in a progress: sent now, or when the interval since the last one sent ends. */
  push(progress: T): void {
    this.last = progress
    const wait = this.lastSent + this.intervalMs - this.now()
    if (wait <= 0) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), wait)
  }

  /** No more events from here on (the caller sends the job's last word itself). */
  end(): void {
    this.ended = true
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.ended || this.last === undefined) return
    this.lastSent = this.now()
    this.send(this.last)
  }
}
