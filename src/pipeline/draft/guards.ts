import { redactPII } from '../../privacy/redact.js';
import { detectLanguage } from '../language.js';

export type GuardFlag =
  | 'no_citation'
  | 'invalid_citation'
  | 'foreign_pii'
  | 'prompt_leak'
  | 'language_mismatch'
  | 'unsupported_commitment'
  | 'empty'
  | 'truncated'
  /** The model failed (load, crash, deadline); the draft is the extractive one. */
  | 'llm_failed'
  /** The model's drafts failed the guards twice; the draft is the extractive one. */
  | 'llm_fallback';

const shingles = (text: string, n: number): Set<string> => {
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const out = new Set<string>();
  for (let i = 0; i + n <= words.length; i++) out.add(words.slice(i, i + n).join(' '));
  return out;
};

const commitmentWords =
  /\b(refund(ed)?|reimburs\w*|credit(ed)?|discount|compensat\w*|free of charge|waive[ds]?|rückerstatt\w*|erstatt\w*|gutschrift|reembols\w*|rembours\w*)\b/i;

/**
 * Checks a model-written reply before any human sees it as a candidate:
 * it must cite the passages it was given (and only those), must not contain personal data that
 * is not the customer's own nor in the knowledge base, must not reproduce the system prompt,
 * must be in the customer's language, and must not promise money back the passages do not offer.
 * Any flag → the draft is marked for a human and can never be auto-sent.
 */
export async function checkDraft(input: {
  text: string;
  passageCount: number;
  passagesText: string;
  systemPrompt: string;
  customerText: string;
  language: string | null;
  finishReason?: string;
}): Promise<GuardFlag[]> {
  const flags: GuardFlag[] = [];
  const text = input.text.trim();
  if (text.length === 0) return ['empty'];
  if (input.finishReason === 'length' || input.finishReason === 'timeout') flags.push('truncated');

  const cited = [...text.matchAll(/\[(\d{1,2})\]/g)].map((m) => Number(m[1]));
  if (input.passageCount > 0 && cited.length === 0) flags.push('no_citation');
  if (cited.some((n) => n < 1 || n > input.passageCount)) flags.push('invalid_citation');

  const allowed = `${input.customerText}\n${input.passagesText}`;
  const allowedFindings = new Set(
    redactPII(allowed).findings.map((f) => allowed.slice(f.start, f.end).toLowerCase()),
  );
  const foreign = redactPII(text).findings.some(
    (f) => !allowedFindings.has(text.slice(f.start, f.end).toLowerCase()),
  );
  if (foreign) flags.push('foreign_pii');

  // Quoting the passages is the point; reproducing the instructions around them is a leak.
  const promptShingles = shingles(input.systemPrompt, 8);
  const passageShingles = shingles(input.passagesText, 8);
  for (const s of shingles(text, 8)) {
    if (promptShingles.has(s) && !passageShingles.has(s)) {
      flags.push('prompt_leak');
      break;
    }
  }

  if (input.language) {
    const detected = await detectLanguage(text);
    if (detected && detected !== input.language) flags.push('language_mismatch');
  }

  if (commitmentWords.test(text) && !commitmentWords.test(input.passagesText)) {
    flags.push('unsupported_commitment');
  }
  return flags;
}
