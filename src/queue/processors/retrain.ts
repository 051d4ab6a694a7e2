import { latestClassifierVersion, newestTrainingExampleAt } from '../../db/queries/triage.js';
import type { Processor } from './types.js';

/**
 * Debounced by design: corrections each enqueue a delayed retrain; the first run learns all of
 * them and the later ones find nothing newer than the current model and return at once.
 */
export const processRetrain: Processor<'retrain'> = async (deps, payload) => {
  const [latest, newest] = await Promise.all([
    latestClassifierVersion(deps.db),
    newestTrainingExampleAt(deps.db),
  ]);
  if (
    payload.reason !== 'manual' &&
    payload.reason !== 'taxonomy' &&
    latest &&
    newest &&
    latest.createdAt >= newest
  ) {
    return { skipped: 'up to date', version: latest.version };
  }
  const result = await deps.classifierStore.retrain();
  deps.log.info(
    { version: result.version, reason: payload.reason, metrics: result.metrics },
    'classifier retrained',
  );
  return result;
};
