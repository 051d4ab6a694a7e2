import { autoSolveWaitingTickets } from '../../pipeline/review/sla-solve.js';
import type { Processor } from './types.js';

/** The hourly auto-solve pass (AUTO_SOLVE_DAYS; see pipeline/review/sla-solve.ts). */
export const processAutoSolve: Processor<'auto-solve'> = async (deps) => {
  const days = deps.config.AUTO_SOLVE_DAYS;
  if (days <= 0) return { skipped: 'AUTO_SOLVE_DAYS is 0' };
  let solved = 0;
  for (;;) {
    const n = await autoSolveWaitingTickets(deps.db, { days, limit: 500, live: deps.live });
    solved += n;
    if (n < 500) break;
  }
  if (solved > 0) deps.log.info({ solved, days }, 'auto-solve pass finished');
  return { solved };
};
