/**
 * One signal for a generate() call that fires on the caller's abort or on the deadline, and
 * remembers which came first so the result can say `aborted` or `timeout`.
 */
export class CallDeadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private firstCause: 'timeout' | 'aborted' | null = null;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onCallerAbort = () => this.fire('aborted');
  private readonly started = performance.now();

  constructor(
    private readonly callerSignal: AbortSignal | undefined,
    readonly timeoutMs: number | undefined,
  ) {
    this.signal = this.controller.signal;
    if (callerSignal?.aborted) this.fire('aborted');
    else callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
    if (timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      this.timer = setTimeout(() => this.fire('timeout'), timeoutMs);
      // A pending deadline must not keep a finished CLI process alive.
      this.timer.unref();
    }
  }

  /** `timeout` or `aborted` once the signal fired, otherwise null. */
  get cause(): 'timeout' | 'aborted' | null {
    return this.firstCause;
  }

  /** Milliseconds left before the deadline (Infinity without one). */
  remainingMs(): number {
    if (this.timeoutMs === undefined || this.timeoutMs <= 0) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.timeoutMs - (performance.now() - this.started));
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.started);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }

  private fire(cause: 'timeout' | 'aborted'): void {
    if (this.firstCause) return;
    this.firstCause = cause;
    this.controller.abort(new DOMException(`generation ${cause}`, 'AbortError'));
  }
}

/** Sleeps for `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves like `promise`, or rejects with the signal's reason as soon as it aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
