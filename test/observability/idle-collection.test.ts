import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectWhenIdle } from '../../src/observability/idle-collection.js';

const MB = 1024 * 1024;

afterEach(() => {
  vi.useRealTimers();
});

/** A heap and a loop the test sets; `gc()` drops the heap to `live`. One idle collection is two. */
function fakeProcess() {
  const state = { used: 40 * MB, live: 40 * MB, busy: 0, gcCalls: 0 };
  let onMajor = () => {};
  return {
    state,
    /** V8 collected on its own, down to `used`. */
    majorCollection(used: number) {
      state.used = used;
      onMajor();
    },
    options: {
      intervalMs: 1_000,
      maxUtilization: 0.1,
      minGrowthBytes: 16 * MB,
      gc: () => {
        state.gcCalls++;
        state.used = state.live;
      },
      usedHeap: () => state.used,
      utilization: () => state.busy,
      onMajorCollection: (listener: () => void) => {
        onMajor = listener;
        return () => {
          onMajor = () => {};
        };
      },
    },
  };
}

describe('collectWhenIdle', () => {
  it('collects once the loop is quiet after the heap grew, and not again without new growth', () => {
    vi.useFakeTimers();
    const { state, options } = fakeProcess();
    const idle = collectWhenIdle(options);
    state.used = 90 * MB; // a burst left garbage
    state.busy = 0.6; // still working
    vi.advanceTimersByTime(3_000);
    expect(state.gcCalls).toBe(0);
    state.busy = 0.01;
    vi.advanceTimersByTime(1_000);
    expect(state.gcCalls).toBe(2);
    expect(state.used).toBe(40 * MB);
    vi.advanceTimersByTime(10_000);
    expect(state.gcCalls).toBe(2);
    idle.stop();
  });

  it('leaves small growth to V8, and counts from the least a collection left', () => {
    vi.useFakeTimers();
    const { state, options, majorCollection } = fakeProcess();
    const idle = collectWhenIdle(options);
    state.used = 52 * MB;
    vi.advanceTimersByTime(5_000);
    expect(state.gcCalls).toBe(0);
    majorCollection(30 * MB); // V8 collected on its own, below where we started
    state.used = 44 * MB; // 14 MB above that
    vi.advanceTimersByTime(5_000);
    expect(state.gcCalls).toBe(0);
    majorCollection(70 * MB); // one in the middle of a burst: much of it still live
    state.used = 80 * MB; // the burst is over: 50 MB above what is live
    vi.advanceTimersByTime(1_000);
    expect(state.gcCalls).toBe(2);
    idle.stop();
    state.used = 200 * MB;
    vi.advanceTimersByTime(5_000);
    expect(state.gcCalls).toBe(2);
  });

  it("gets the process's gc() without --expose-gc and leaves the global alone", () => {
    vi.useFakeTimers();
    let used = 0;
    const idle = collectWhenIdle({
      intervalMs: 1_000,
      minGrowthBytes: 1,
      usedHeap: () => used,
      utilization: () => 0,
    });
    used = 10;
    vi.advanceTimersByTime(1_000); // calls the real collector: throws if it is not a function
    idle.stop();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
