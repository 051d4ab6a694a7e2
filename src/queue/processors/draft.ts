import { draftReply } from '../../pipeline/draft/draft.js';
import type { Processor } from './types.js';

export const processDraft: Processor<'draft'> = async (deps, payload) => {
  const outcome = await draftReply(deps, payload);
  if (outcome.status !== 'drafted') return outcome;
  const { draft } = outcome;
  return { status: 'drafted', draftId: draft.id, kind: draft.kind };
};
