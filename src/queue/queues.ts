import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueConfigs } from './config.js';
import { type JobName, jobNames } from './jobs.js';

export type Queues = Record<JobName, Queue>;

export function createQueues(connection: Redis, prefix: string): Queues {
  return Object.fromEntries(
    jobNames.map((name) => [
      name,
      new Queue(name, { connection, prefix, defaultJobOptions: queueConfigs[name].job }),
    ]),
  ) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}
