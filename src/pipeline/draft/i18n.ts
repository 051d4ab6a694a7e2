/**
 * The few fixed phrases extractive drafts need, per language. Kept here (not in a library) because
 * it is eight short strings per language; unknown languages fall back to English.
 */
export interface Phrases {
  greeting: (name: string | null) => string;
  intro: string;
  noAnswer: string;
  moreInfo: string;
  closing: string;
}

const table: Record<string, Phrases> = {
  en: {
    greeting: (n) => (n ? `Hi ${n},` : 'Hello,'),
    intro: 'Thanks for reaching out. Here is what our help center says about this:',
    noAnswer:
      'Thanks for reaching out. A member of our team will look into this and get back to you shortly.',
    moreInfo: 'More details:',
    closing: 'Best regards,',
  },
  de: {
    greeting: (n) => (n ? `Hallo ${n},` : 'Hallo,'),
    intro: 'vielen Dank für Ihre Nachricht. Dazu steht in unserem Hilfe-Center Folgendes:',
    noAnswer:
      'vielen Dank für Ihre Nachricht. Ein Kollege kümmert sich darum und meldet sich in Kürze.',
    moreInfo: 'Weitere Informationen:',
    closing: 'Viele Grüße',
  },
  fr: {
    greeting: (n) => (n ? `Bonjour ${n},` : 'Bonjour,'),
    intro: 'Merci pour votre message. Voici ce que notre centre d’aide indique à ce sujet :',
    noAnswer:
      'Merci pour votre message. Un membre de notre équipe va s’en occuper et revient vers vous rapidement.',
    moreInfo: 'Plus d’informations :',
    closing: 'Cordialement,',
  },
  es: {
    greeting: (n) => (n ? `Hola ${n}:` : 'Hola:'),
    intro: 'Gracias por escribirnos. Esto es lo que indica nuestro centro de ayuda:',
    noAnswer:
      'Gracias por escribirnos. Una persona de nuestro equipo revisará su caso y le responderá pronto.',
    moreInfo: 'Más información:',
    closing: 'Saludos cordiales,',
  },
  pt: {
    greeting: (n) => (n ? `Olá ${n},` : 'Olá,'),
    intro: 'Obrigado pelo contato. Veja o que diz a nossa central de ajuda:',
    noAnswer: 'Obrigado pelo contato. Alguém da nossa equipe vai analisar e responder em breve.',
    moreInfo: 'Mais informações:',
    closing: 'Atenciosamente,',
  },
  it: {
    greeting: (n) => (n ? `Ciao ${n},` : 'Buongiorno,'),
    intro: 'Grazie per averci scritto. Ecco cosa dice il nostro centro assistenza:',
    noAnswer: 'Grazie per averci scritto. Un collega se ne occuperà e ti risponderà a breve.',
    moreInfo: 'Maggiori informazioni:',
    closing: 'Cordiali saluti,',
  },
  nl: {
    greeting: (n) => (n ? `Hallo ${n},` : 'Hallo,'),
    intro: 'Bedankt voor je bericht. Dit staat er in ons helpcentrum over:',
    noAnswer:
      'Bedankt voor je bericht. Een collega gaat ermee aan de slag en neemt snel contact op.',
    moreInfo: 'Meer informatie:',
    closing: 'Met vriendelijke groet,',
  },
};

export function phrasesFor(language: string | null | undefined): Phrases {
  const code = language ?? 'en';
  return (Object.hasOwn(table, code) && table[code]) || table.en!;
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
