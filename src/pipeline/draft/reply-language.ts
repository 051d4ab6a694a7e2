import { sql } from 'drizzle-orm';
import type { Config } from '../../config/index.js';
import type { Db } from '../../db/client.js';
import { previousRequesterLanguage } from '../../db/queries/drafts.js';
import { queryRows } from '../../db/queries/kb.js';
import { normalizeLanguage } from '../../kb/language.js';
import { guessLanguage, LANGUAGE_CLEAR_MARGIN, LANGUAGE_MIN_MARGIN } from '../language.js';

const cache = new WeakMap<object, { at: number; languages: string[] }>();
const CACHE_MS = 60_000;

/**
 * The languages drafts may be written in: SUPPORTED_LANGUAGES, or the knowledge base's languages
 * plus DEFAULT_LANGUAGE (read at most once a minute per database).
 */
export async function supportedReplyLanguages(
  db: Db,
  config: Pick<Config, 'SUPPORTED_LANGUAGES' | 'DEFAULT_LANGUAGE'>,
): Promise<string[]> {
  if (config.SUPPORTED_LANGUAGES?.length) {
    return [...new Set(config.SUPPORTED_LANGUAGES.map((l) => normalizeLanguage(l)))];
  }
  const hit = cache.get(db);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.languages;
  const rows = await queryRows<{ language: string }>(
    db,
    sql`select distinct language from kb_articles`,
  );
  const languages = [
    ...new Set([config.DEFAULT_LANGUAGE, ...rows.map((r) => normalizeLanguage(r.language))]),
  ];
  cache.set(db, { at: Date.now(), languages });
  return languages;
}

export type ReplyLanguageSource = 'ticket' | 'detected' | 'requester' | 'default';

/**
 * The reply language: the one a draft is written in (the glossary's word; `language` alone is
 * what detection finds in a customer's message). In order: the ticket's language when it is
 * supported (the helpdesk's field, or triage's confident detection); a clear reading of the text
 * among the supported languages; the requester's language on an earlier ticket; a weaker but
 * still confident reading; DEFAULT_LANGUAGE, unless the text is clearly not in it (then the best
 * reading, however close its runner-up).
 */
export async function resolveReplyLanguage(
  db: Db,
  config: Pick<Config, 'SUPPORTED_LANGUAGES' | 'DEFAULT_LANGUAGE'>,
  input: {
    ticketId: string;
    ticketLanguage: string | null;
    requesterEmail: string | null;
    text: string;
  },
): Promise<{ language: string; source: ReplyLanguageSource; supported: string[] }> {
  const supported = await supportedReplyLanguages(db, config);
  const own = input.ticketLanguage ? normalizeLanguage(input.ticketLanguage) : null;
  if (own && supported.includes(own)) return { language: own, source: 'ticket', supported };
  const guess = await guessLanguage(input.text, supported);
  const detected = guess.margin >= LANGUAGE_MIN_MARGIN ? guess.language : null;
  if (detected && guess.margin >= LANGUAGE_CLEAR_MARGIN) {
    return { language: detected, source: 'detected', supported };
  }
  if (input.requesterEmail) {
    const previous = await previousRequesterLanguage(db, {
      requesterEmail: input.requesterEmail,
      excludeTicketId: input.ticketId,
      languages: supported,
    });
    if (previous) return { language: previous, source: 'requester', supported };
  }
  if (detected) return { language: detected, source: 'detected', supported };
  const fallback = supported.includes(config.DEFAULT_LANGUAGE)
    ? config.DEFAULT_LANGUAGE
    : (supported[0] ?? config.DEFAULT_LANGUAGE);
  // Unsure which language, yet clearly not the default one: "Problema urgente no banco de dados"
  // is Portuguese or Spanish, never English. The better of the two beats the default.
  if (guess.language && (guess.leads[fallback] ?? 0) >= LANGUAGE_CLEAR_MARGIN) {
    return { language: guess.language, source: 'detected', supported };
  }
  return { language: fallback, source: 'default', supported };
}
