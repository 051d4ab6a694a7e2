import { UnrecoverableError } from 'bullmq';
import { triageTicket } from '../../pipeline/triage/triage.js';
import type { Processor } from './types.js';

export const processTriage: Processor<'triage'> = async (deps, payload) => {
  const outcome = await triageTicket(deps, payload);
  if (!outcome) throw new UnrecoverableError(`ticket ${payload.ticketId} does not exist`);
  return outcome;
};
