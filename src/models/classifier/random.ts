/**
 * Seeded pseudo-random numbers. Training shuffles examples and assigns calibration folds; both must
 * be reproducible from a seed so that retraining on the same labels gives the same model version.
 */
export type Random = () => number;

/** mulberry32: tiny, fast and good enough for shuffling; not for anything security-related. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates in place. */
export function shuffleInPlace<T>(
  items: { length: number; [index: number]: T },
  random: Random,
): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
}
