/** Wall time and peak RSS growth of one async step (RSS sampled every 2 ms while it runs). */
export async function measured<T>(
  step: () => Promise<T>,
): Promise<{ result: T; ms: number; rssGrowthMb: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 2);
  const started = performance.now();
  try {
    const result = await step();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, ms: performance.now() - started, rssGrowthMb: (peak - base) / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

export const basicAuth = {
  authorization: `Basic ${Buffer.from('inbound:s3cret-pass').toString('base64')}`,
};
