import { writeBackTriage } from '../../pipeline/triage/writeback.js';
import type { Processor } from './types.js';

export const processZendeskWriteback: Processor<'zendesk-writeback'> = (deps, payload) =>
  writeBackTriage(deps, payload.ticketId);
