import type { Message } from '../../db/schema/messages.js';
import type { Passage } from '../../kb/search.js';
import type { GenerateResult, Generator } from '../../models/generator/types.js';
import { redactText } from '../../privacy/redact.js';
import { loadPrompt, renderPrompt } from '../../prompts/render.js';
import { excerpt } from './extractive.js';
import { languageNames } from './i18n.js';

export interface LlmDraftInput {
  brand: string;
  tone: string;
  signature: string;
  language: string | null;
  instructions: string | null;
  passages: readonly Passage[];
  history: readonly Pick<Message, 'authorKind' | 'strippedText' | 'bodyText'>[];
  /** Receives the reply as it is generated (see `GenerateRequest.onText`). */
  onText?: (chunk: string) => void;
}

export interface LlmDraft {
  result: GenerateResult;
  systemPrompt: string;
  promptVersion: string;
  passagesUsed: number;
  historyUsed: number;
}

const MAX_REPLY_TOKENS = 400;

function formatHistory(history: LlmDraftInput['history']): string[] {
  return history.map((m) => {
    const who = m.authorKind === 'customer' ? 'Customer' : 'Support';
    // Redacted: the model needs the question, not the customer's card number.
    return `${who}: ${redactText((m.strippedText || m.bodyText).trim()).slice(0, 2_000)}`;
  });
}

/**
 * Renders the versioned prompt and generates. The context window is filled deliberately: the
 * newest messages and the best passages are kept, older messages are dropped first, then weaker
 * passages, then passages are shortened — never cut mid-prompt by the runtime.
 */
export async function draftWithLlm(generator: Generator, input: LlmDraftInput): Promise<LlmDraft> {
  const { template, id } = loadPrompt('draft-reply', 'v2');
  const allHistory = formatHistory(input.history);
  // Small contexts (tests, tiny models) keep a quarter of the window for the reply.
  const replyTokens = Math.min(MAX_REPLY_TOKENS, Math.floor(generator.contextSize / 4));
  const budget = generator.contextSize - replyTokens - 64;
  let passages = input.passages.length;
  let historyCount = allHistory.length;
  let passageChars = 900;
  let systemPrompt = '';
  for (let round = 0; round < 100; round++) {
    systemPrompt = renderPrompt(template, {
      brand: input.brand,
      language:
        (Object.hasOwn(languageNames, input.language ?? 'en') &&
          languageNames[input.language ?? 'en']) ||
        'the customer’s language',
      tone: input.tone,
      signature: input.signature,
      instructions: input.instructions
        ? `- Agent instructions for this version: ${input.instructions.slice(0, 500)}\n`
        : '',
      passages:
        input.passages
          .slice(0, passages)
          .map(
            (p, i) =>
              `[${i + 1}] ${p.title}${p.section && p.section !== p.title ? ` — ${p.section}` : ''}\n${excerpt(p.text, passageChars)}`,
          )
          .join('\n\n') || '(no relevant passages found)',
      history: allHistory.slice(allHistory.length - historyCount).join('\n\n') || '(none)',
    });
    if ((await generator.countTokens(systemPrompt)) <= budget) break;
    // Halving keeps the number of re-renders logarithmic in the conversation length.
    if (historyCount > 1) historyCount = Math.floor(historyCount / 2);
    else if (passages > 1) passages -= 1;
    else if (passageChars > 200) passageChars = Math.floor(passageChars * 0.7);
    else {
      // Last resort: the newest customer message alone, shortened.
      allHistory[allHistory.length - 1] = allHistory.at(-1)!.slice(0, 300);
    }
  }
  const result = await generator.generate({
    system: systemPrompt,
    messages: [{ role: 'user', content: 'Write the reply now.' }],
    maxTokens: replyTokens,
    temperature: 0.2,
    timeoutMs: 90_000,
    ...(input.onText ? { onText: input.onText } : {}),
  });
  return {
    result,
    systemPrompt,
    promptVersion: id,
    passagesUsed: passages,
    historyUsed: historyCount,
  };
}
