import { draftReply } from '../../pipeline/draft/draft.js';
import type { Processor } from './types.js';

export const processDraft: Processor<'draft'> = async (deps, payload) => {
  const outcome = await draftReply(deps, payload);
  return outcome.status === 'drafted'
    ? { status: 'drafted', draftId: outcome.draft.id, kind: outcome.draft.kind }
    : outcome;
};
