/**
 * The few fixed phrases drafts need, per language. Kept here (not in a library) because it is a
 * dozen short strings per language; unknown languages fall back to English. Every fixed line is
 * listed so a draft's language can be read back from its greeting and closing (eval:drafts).
 */
export interface Phrases {
  greeting: (name: string | null, formal?: boolean) => string;
  intro: string;
  /** Abstained: nothing in the knowledge base answers this; a person will. */
  noAnswer: string;
  /** Lead-in of the source links. */
  moreInfo: string;
  closing: string;
  closingFormal: string;
  /** Said when the answer quotes articles written in another language (named in English). */
  otherLanguage: (languageName: string) => string;
  /** Every fixed line, for reading a draft back. */
  fixedLines: string[];
  closings: string[];
  isGreeting: (line: string) => boolean;
}

interface Table {
  hi: (n: string) => string;
  hello: string;
  dear: (n: string) => string;
  dearNoName: string;
  intro: string;
  noAnswer: string;
  moreInfo: string;
  closing: string;
  closingFormal: string;
  otherLanguage: (language: string) => string;
}

const tables: Record<string, Table> = {
  en: {
    hi: (n) => `Hi ${n},`,
    hello: 'Hello,',
    dear: (n) => `Dear ${n},`,
    dearNoName: 'Dear customer,',
    intro: 'Thanks for reaching out. Here is what our help center says about this:',
    noAnswer:
      'Thanks for reaching out. A member of our team will look into this and get back to you shortly.',
    moreInfo: 'Full article:',
    closing: 'Best regards,',
    closingFormal: 'Kind regards,',
    otherLanguage: (l) => `Our help center article on this is only available in ${l}:`,
  },
  de: {
    hi: (n) => `Hallo ${n},`,
    hello: 'Hallo,',
    dear: (n) => `Guten Tag ${n},`,
    dearNoName: 'Sehr geehrte Damen und Herren,',
    intro: 'vielen Dank für Ihre Nachricht. Dazu steht in unserem Hilfe-Center Folgendes:',
    noAnswer:
      'vielen Dank für Ihre Nachricht. Ein Kollege kümmert sich darum und meldet sich in Kürze.',
    moreInfo: 'Vollständiger Artikel:',
    closing: 'Viele Grüße',
    closingFormal: 'Mit freundlichen Grüßen',
    otherLanguage: (l) =>
      `Unseren Hilfe-Artikel dazu gibt es leider nur auf ${germanNames[l] ?? l}:`,
  },
  fr: {
    hi: (n) => `Bonjour ${n},`,
    hello: 'Bonjour,',
    dear: (n) => `Madame, Monsieur ${n},`,
    dearNoName: 'Madame, Monsieur,',
    intro: 'Merci pour votre message. Voici ce que notre centre d’aide indique à ce sujet :',
    noAnswer:
      'Merci pour votre message. Un membre de notre équipe va s’en occuper et revient vers vous rapidement.',
    moreInfo: 'Article complet :',
    closing: 'Cordialement,',
    closingFormal: 'Veuillez agréer nos salutations distinguées,',
    otherLanguage: (l) => `Notre article d’aide à ce sujet n’existe qu’en ${frenchNames[l] ?? l} :`,
  },
  es: {
    hi: (n) => `Hola ${n}:`,
    hello: 'Hola:',
    dear: (n) => `Estimado/a ${n}:`,
    dearNoName: 'Estimado/a cliente:',
    intro: 'Gracias por escribirnos. Esto es lo que indica nuestro centro de ayuda:',
    noAnswer:
      'Gracias por escribirnos. Una persona de nuestro equipo revisará su caso y le responderá pronto.',
    moreInfo: 'Artículo completo:',
    closing: 'Saludos cordiales,',
    closingFormal: 'Atentamente,',
    otherLanguage: (l) =>
      `Nuestro artículo de ayuda sobre esto solo está disponible en ${spanishNames[l] ?? l}:`,
  },
  pt: {
    hi: (n) => `Olá ${n},`,
    hello: 'Olá,',
    dear: (n) => `Prezado(a) ${n},`,
    dearNoName: 'Prezado(a) cliente,',
    intro: 'Obrigado pelo contato. Veja o que diz a nossa central de ajuda:',
    noAnswer: 'Obrigado pelo contato. Alguém da nossa equipe vai analisar e responder em breve.',
    moreInfo: 'Artigo completo:',
    closing: 'Atenciosamente,',
    closingFormal: 'Cordialmente,',
    otherLanguage: (l) =>
      `O nosso artigo de ajuda sobre isto só está disponível em ${portugueseNames[l] ?? l}:`,
  },
  it: {
    hi: (n) => `Ciao ${n},`,
    hello: 'Buongiorno,',
    dear: (n) => `Gentile ${n},`,
    dearNoName: 'Gentile cliente,',
    intro: 'Grazie per averci scritto. Ecco cosa dice il nostro centro assistenza:',
    noAnswer: 'Grazie per averci scritto. Un collega se ne occuperà e ti risponderà a breve.',
    moreInfo: 'Articolo completo:',
    closing: 'Cordiali saluti,',
    closingFormal: 'Distinti saluti,',
    otherLanguage: (l) => `Il nostro articolo su questo è disponibile solo in ${l}:`,
  },
  nl: {
    hi: (n) => `Hoi ${n},`,
    hello: 'Goedendag,',
    dear: (n) => `Beste ${n},`,
    dearNoName: 'Geachte klant,',
    intro: 'Bedankt voor je bericht. Dit staat er in ons helpcentrum over:',
    noAnswer:
      'Bedankt voor je bericht. Een collega gaat ermee aan de slag en neemt snel contact op.',
    moreInfo: 'Volledig artikel:',
    closing: 'Met vriendelijke groet,',
    closingFormal: 'Hoogachtend,',
    otherLanguage: (l) => `Ons helpartikel hierover is alleen beschikbaar in het ${l}:`,
  },
};

const germanNames: Record<string, string> = {
  English: 'Englisch',
  French: 'Französisch',
  Spanish: 'Spanisch',
  Portuguese: 'Portugiesisch',
  German: 'Deutsch',
};
const frenchNames: Record<string, string> = {
  English: 'anglais',
  German: 'allemand',
  Spanish: 'espagnol',
  Portuguese: 'portugais',
};
const spanishNames: Record<string, string> = {
  English: 'inglés',
  German: 'alemán',
  French: 'francés',
  Portuguese: 'portugués',
};
const portugueseNames: Record<string, string> = {
  English: 'inglês',
  German: 'alemão',
  French: 'francês',
  Spanish: 'espanhol',
};

function build(t: Table): Phrases {
  const greetingPrefixes = [t.hi('\u0000'), t.dear('\u0000')].map((g) => g.split('\u0000')[0]!);
  return {
    greeting: (name, formal = false) =>
      formal ? (name ? t.dear(name) : t.dearNoName) : name ? t.hi(name) : t.hello,
    intro: t.intro,
    noAnswer: t.noAnswer,
    moreInfo: t.moreInfo,
    closing: t.closing,
    closingFormal: t.closingFormal,
    otherLanguage: t.otherLanguage,
    fixedLines: [t.intro, t.noAnswer, t.moreInfo],
    closings: [t.closing, t.closingFormal],
    isGreeting: (line) =>
      line === t.hello ||
      line === t.dearNoName ||
      greetingPrefixes.some((p) => line.startsWith(p) && /[,:]$/.test(line)),
  };
}

const phrases: Record<string, Phrases> = Object.fromEntries(
  Object.entries(tables).map(([code, t]) => [code, build(t)]),
);

export function phrasesFor(language: string | null | undefined): Phrases {
  const code = language ?? 'en';
  // Own properties only: "constructor" is not a language.
  return (Object.hasOwn(phrases, code) && phrases[code]) || phrases.en!;
}

export function allPhrases(): Phrases[] {
  return Object.values(phrases);
}

/**
 * The language a draft greets and signs off in, read back from its fixed lines (the closing is
 * unique per language; the greeting alone is not: "Hallo" is German and Dutch).
 */
export function phrasesLanguage(text: string): string | null {
  const lines = text.split('\n').map((l) => l.trim());
  for (const [code, p] of Object.entries(phrases)) {
    if (lines.some((l) => p.closings.includes(l))) return code;
  }
  for (const [code, p] of Object.entries(phrases)) {
    if (p.isGreeting(lines[0] ?? '')) return code;
  }
  return null;
}

/** The English name of a language code, or the code itself. */
export function languageName(code: string): string {
  return Object.hasOwn(languageNames, code) ? languageNames[code]! : code;
}

export const languageNames: Record<string, string> = {
  en: 'English',
  de: 'German',
  fr: 'French',
  es: 'Spanish',
  pt: 'Portuguese',
  it: 'Italian',
  nl: 'Dutch',
  pl: 'Polish',
  sv: 'Swedish',
  da: 'Danish',
  no: 'Norwegian',
  fi: 'Finnish',
  cs: 'Czech',
  tr: 'Turkish',
  ru: 'Russian',
  uk: 'Ukrainian',
  ja: 'Japanese',
  ko: 'Korean',
  zh: 'Chinese',
  ar: 'Arabic',
  he: 'Hebrew',
  hi: 'Hindi',
  el: 'Greek',
  ro: 'Romanian',
  hu: 'Hungarian',
};
