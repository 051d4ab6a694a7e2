import { describe, expect, it } from 'vitest';
import { queueConfigs, workerOptions } from '../../src/jobs/options.js';

describe('workerOptions', () => {
  it('drafts at the generator’s parallelism when a draft model is configured', () => {
    expect(workerOptions('draft', { modelConfigured: true }).concurrency).toBe(
      queueConfigs.draft.concurrency,
    );
  });

  it('drafts extractively at a higher parallelism without one', () => {
    const extractive = workerOptions('draft', { modelConfigured: false }).concurrency;
    expect(extractive).toBe(queueConfigs.draft.concurrencyWithoutModel);
    expect(extractive).toBeGreaterThan(queueConfigs.draft.concurrency);
  });

  it('leaves queues without a model-free setting alone', () => {
    expect(workerOptions('deliver', { modelConfigured: false })).toEqual({
      concurrency: queueConfigs.deliver.concurrency,
      lockDuration: queueConfigs.deliver.lockDuration,
    });
  });
});
