import type { Job } from 'bullmq';
import type { Deps } from '../../deps.js';
import type { JobName, JobPayload } from '../../jobs/payloads.js';

export type Processor<N extends JobName> = (
  deps: Deps,
  payload: JobPayload<N>,
  job: Job,
) => Promise<unknown>;

export type ProcessorMap = { [N in JobName]: Processor<N> };
