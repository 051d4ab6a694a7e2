import { checkDraftSla } from '../../pipeline/review/sla.js';
import type { Processor } from './types.js';

/** Fires at the draft's SLA due time; see pipeline/review/sla.ts. */
export const processSla: Processor<'sla'> = (deps, payload) => checkDraftSla(deps, payload.draftId);
