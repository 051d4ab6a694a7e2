import type { Queue } from 'bullmq';
import type { RedisConnection } from '../../../src/jobs/redis.js';

/**
 * What Redis looks like once a SIGKILLed worker's job locks have expired and a stalled check has
 * marked its jobs — fast-forwarded, because lockDuration (up to 150 s) plus the 30 s stalled
 * interval would make each kill cost minutes. The next worker's first stalled check (at its start)
 * moves the jobs back to wait. Only for jobs no live worker holds: call it when every worker is
 * dead. Returns the jobs that will run again, as `queue/jobId`.
 */
export async function expireLocksOfDeadWorkers(
  redis: RedisConnection,
  queues: Record<string, Queue>,
): Promise<string[]> {
  const stalled: string[] = [];
  for (const queue of Object.values(queues)) {
    for (const id of await redis.lrange(queue.toKey('active'), 0, -1)) {
      await redis.del(`${queue.toKey(id)}:lock`);
      await redis.sadd(queue.toKey('stalled'), id);
      stalled.push(`${queue.name}/${id}`);
    }
    await redis.del(queue.toKey('stalled-check'));
  }
  return stalled;
}
