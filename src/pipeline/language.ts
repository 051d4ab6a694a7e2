import { franc } from 'franc';

/** ISO 639-3 (franc) → ISO 639-1 for the languages support teams most often serve. */
const iso1: Record<string, string> = {
  eng: 'en',
  deu: 'de',
  fra: 'fr',
  spa: 'es',
  por: 'pt',
  ita: 'it',
  nld: 'nl',
  pol: 'pl',
  swe: 'sv',
  dan: 'da',
  nob: 'no',
  fin: 'fi',
  ces: 'cs',
  tur: 'tr',
  rus: 'ru',
  ukr: 'uk',
  jpn: 'ja',
  kor: 'ko',
  cmn: 'zh',
  arb: 'ar',
  heb: 'he',
  hin: 'hi',
  ell: 'el',
  ron: 'ro',
  hun: 'hu',
};

/**
 * Detects the language of customer text. Restricting franc to the languages above avoids its
 * classic confusions on short text (e.g. English read as Scots), and short text returns null
 * rather than a guess.
 */
export function detectLanguage(text: string): string | null {
  const sample = text.slice(0, 2_000);
  if (sample.replace(/\s+/g, '').length < 12) return null;
  const code = franc(sample, { only: Object.keys(iso1), minLength: 12 });
  return Object.hasOwn(iso1, code) ? (iso1[code] ?? null) : null;
}
