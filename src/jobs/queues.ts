import { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { queueConfigs } from './options.js';
import { type JobName, jobNames } from './payloads.js';
import type { RedisConnection } from './redis.js';

export type Queues = Record<JobName, Queue>;

export function createQueues(connection: RedisConnection, prefix: string, log: Logger): Queues {
  return Object.fromEntries(
    jobNames.map((name) => {
      const queue = new Queue(name, {
        connection,
        prefix,
        defaultJobOptions: queueConfigs[name].job,
      });
      // Connection errors are expected while Redis restarts; the outbox relay retries.
      queue.on('error', (err) => log.debug({ queue: name, err: err.message }, 'queue error'));
      return [name, queue];
    }),
  ) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}
