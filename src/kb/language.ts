/**
 * ISO 639-1 code → Postgres text-search configuration. Only configurations present in every
 * supported server (PostgreSQL 15+, PGlite) are listed; anything else is indexed with `simple`
 * (lower-casing, no stemming, no stop words), which still matches exact words.
 */
const TEXT_CONFIGS: Record<string, string> = {
  ar: 'arabic',
  da: 'danish',
  de: 'german',
  el: 'greek',
  en: 'english',
  es: 'spanish',
  fi: 'finnish',
  fr: 'french',
  ga: 'irish',
  hu: 'hungarian',
  id: 'indonesian',
  it: 'italian',
  lt: 'lithuanian',
  nb: 'norwegian',
  ne: 'nepali',
  nl: 'dutch',
  nn: 'norwegian',
  no: 'norwegian',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sv: 'swedish',
  ta: 'tamil',
  tr: 'turkish',
};

/** `en-US`, `en_us`, `EN` → `en`; empty or malformed → `en`. */
export function normalizeLanguage(language: string | null | undefined): string {
  const code = (language ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return /^[a-z]{2,3}$/.test(code) ? code : 'en';
}

export function textConfigFor(language: string | null | undefined): string {
  const code = normalizeLanguage(language);
  return (Object.hasOwn(TEXT_CONFIGS, code) && TEXT_CONFIGS[code]) || 'simple';
}

/** Every configuration name this module can return; used to validate before `::regconfig`. */
export const knownTextConfigs = new Set([...Object.values(TEXT_CONFIGS), 'simple']);
