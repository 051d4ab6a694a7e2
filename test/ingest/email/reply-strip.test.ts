import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRawEmail } from '../../../src/ingest/email/parse.js';
import { stripQuotedReply } from '../../../src/ingest/email/reply-strip.js';
import { htmlToPlainText } from '../../../src/ingest/email/text.js';
import { EMAIL_DIR, listFiles, PARSE_OPTIONS, readEmail } from './fixtures.js';

const GITHUB_DIR = path.join(EMAIL_DIR, 'email_reply_parser');
const github = (name: string) => readFileSync(path.join(GITHUB_DIR, `${name}.txt`), 'utf8');

describe('stripQuotedReply: GitHub email_reply_parser fixtures', () => {
  // Expected visible text per GitHub's email_reply_parser_test.rb, with three deliberate
  // differences noted inline. Blank-line runs are collapsed to one blank line.
  it.each([
    ['email_1_2', 'Hi,\nYou can list the keys for the bucket'],
    ['email_1_3', 'Oh thanks.\n\nHaving the function would be great.\n\n-Abhishek Kona'],
    ['email_1_4', "Awesome! I haven't had another problem with it."],
    ['email_1_6', 'I get proper rendering as well.'],
    ['email_1_7', ':+1:'],
    ['email_1_8', 'I will reply under this one\nand under this.'],
    ['email_2_1', 'Outlook with a reply'],
    ['email_2_2', 'Outlook with a reply directly above line'],
    ['email_2_3', 'Outlook with a reply directly above line'],
    ['email_BlackBerry', 'Here is another email'],
    ['email_iPhone', 'Here is another email'],
    ['email_multi_word_sent_from_my_mobile_device', 'Here is another email'],
    ['correct_sig', 'this is an email with a correct -- signature.'],
    [
      'email_one_is_not_on',
      'Thank, this is really helpful.\n\nOne outstanding question I had:\n\nLocally (on development), when I run...',
    ],
    [
      'email_bullets',
      'test 2 this should list second\n\nand have spaces\n\nand retain this formatting\n\n   - how about bullets\n   - and another',
    ],
    [
      'email_sig_delimiter_in_middle_of_line',
      'Hi there!\n\nStuff happened.\n\nAnd here is a fix -- this is not a signature.\n\nkthxbai',
    ],
    [
      'greedy_on',
      'On your remote host you can run:\n\n     telnet 127.0.0.1 52698\n\nThis should connect to TextMate (on your Mac, via the tunnel). If that\nfails, the tunnel is not working.',
    ],
    [
      'pathological',
      "I think you're onto something. I will try to fix the problem as soon as I\nget back to a computer.",
    ],
    // GitHub keeps "Sent from my desk, …" because it only knows "Sent from my <1-3 words>";
    // the library treats any "Sent from …" line as a signature. A support reply loses nothing.
    ['email_sent_from_my_not_signature', 'Here is another email'],
  ])('%s', (name, expected) => {
    const stripped = stripQuotedReply(github(name));
    if (name === 'email_1_2') {
      // GitHub keeps the inline quote between "Hi," and the answer; we drop quotes everywhere.
      expect(stripped.startsWith(expected)).toBe(true);
      expect(stripped).toContain('you’ll need to delete them all individually."');
      expect(stripped).not.toContain('> ');
    } else {
      expect(stripped).toBe(expected);
    }
  });

  it('keeps a body without quotes whole (email_1_5)', () => {
    const body = github('email_1_5');
    expect(stripQuotedReply(body)).toBe(body.trim());
  });

  it('leaves a mailing-list footer that follows no quote (email_1_1)', () => {
    // GitHub hides "-Abhishek Kona" and the footer as a signature; list mail is flagged automated
    // by its List-Id before stripping matters, so the footer is left alone here.
    const stripped = stripQuotedReply(github('email_1_1'));
    expect(stripped.startsWith('Hi folks\n\nWhat is the best way to clear a Riak bucket')).toBe(
      true,
    );
    expect(stripped).toContain('I am currently using the Java HTTP API.');
  });
});

describe('stripQuotedReply: talon fixtures', () => {
  const standard = listFiles(path.join(EMAIL_DIR, 'talon', 'standard_replies'), '.eml');

  it.each(standard.map((file) => [path.basename(file)]))(
    'standard reply %s → "Hello"',
    async (name) => {
      const email = await parseRawEmail(readEmail(`talon/standard_replies/${name}`), PARSE_OPTIONS);
      expect(email.strippedText).toBe('Hello');
    },
  );

  it('strips the share-block quotation', async () => {
    const email = await parseRawEmail(
      readEmail('talon/reply-quotations-share-block.eml'),
      PARSE_OPTIONS,
    );
    expect(email.strippedText).toMatch(/^Hi Katharine\./);
    expect(email.strippedText).toMatch(/Joe XXX$/);
    expect(email.strippedText).not.toContain('booking inquiry');
  });

  const html = listFiles(path.join(EMAIL_DIR, 'talon', 'html_replies'), '.html');
  it.each(html.map((file) => [path.basename(file), file]))('HTML reply %s', (_name, file) => {
    const stripped = stripQuotedReply(htmlToPlainText(readFileSync(file, 'utf8')));
    expect(stripped.replace(/\n+/g, '\n')).toBe('Hi. I am fine.\nThanks,\nAlex');
  });

  it.each([
    ['reply-separated-by-hr.html', 'Hi\nthere\nBob'],
    ['OLK_SRC_BODY_SECTION.html', 'Reply'],
  ])('HTML reply %s', (name, expected) => {
    const text = htmlToPlainText(readFileSync(path.join(EMAIL_DIR, 'talon', name), 'utf8'));
    expect(stripQuotedReply(text)).toBe(expected);
  });
});

describe('stripQuotedReply: attribution lines', () => {
  const quote = '\n\n> Hello, my export is empty.\n> Thanks\n';
  it.each([
    [
      'en',
      'Please try again.',
      'On Tue, Mar 12, 2024 at 10:15 AM Ana Díaz <ana@example.com> wrote:',
    ],
    [
      'en wrapped',
      'Please try again.',
      'On Tue, Mar 12, 2024 at 10:15 AM Ana Díaz <\nana@example.com> wrote:',
    ],
    [
      'de',
      'Bitte erneut versuchen.',
      'Am 12.03.2024 um 10:15 schrieb Max Mustermann <max@example.de>:',
    ],
    [
      'de gmail',
      'Bitte erneut versuchen.',
      'Am Di., 12. März 2024 um 10:15 Uhr schrieb Max Mustermann <max@example.de>:',
    ],
    [
      'fr',
      'Merci de réessayer.',
      'Le mar. 12 mars 2024 à 10:15, Jean Dupont <jean@example.fr> a écrit :',
    ],
    [
      'es',
      'Por favor, inténtelo de nuevo.',
      'El mar, 12 mar 2024 a las 10:15, Juan Pérez (<juan@example.es>) escribió:',
    ],
    [
      'pt',
      'Tente novamente.',
      'Em ter., 12 de mar. de 2024 às 10:15, João Silva <joao@example.pt> escreveu:',
    ],
    [
      'it',
      'Riprova.',
      'Il giorno mar 12 mar 2024 alle ore 10:15 Marco Rossi <marco@example.it> ha scritto:',
    ],
    [
      'nl',
      'Probeer het opnieuw.',
      'Op di 12 mrt 2024 om 10:15 schreef Jan Jansen <jan@example.nl>:',
    ],
    [
      'ru',
      'Попробуйте ещё раз.',
      '12.03.2024 10:15 пользователь "Анна" <\nanna@example.ru> написал:',
    ],
  ])('%s', (_language, reply, attribution) => {
    expect(stripQuotedReply(`${reply}\n\n${attribution}${quote}`)).toBe(reply);
  });
});

describe('stripQuotedReply: Outlook header blocks', () => {
  it.each([
    [
      'en',
      'Please try again.\n\n-----Original Message-----\nFrom: Ana <ana@example.com>\nSent: Tuesday, March 12, 2024 10:15 AM\nTo: Support <support@acme.example>\nSubject: Export\n\nHello, my export is empty.',
    ],
    [
      'en without rule',
      'Please try again.\n\nFrom: Ana [mailto:ana@example.com]\nSent: Tuesday, March 12, 2024 10:15 AM\nTo: Support\nSubject: Export\n\nHello',
    ],
    [
      'en bold, after an underscore rule',
      'Please try again.\n________________________________\n*From:* Ana <ana@example.com>\n*Sent:* Tuesday\n*To:* Support\n*Subject:* Export\n\nHello',
    ],
    [
      'de',
      'Please try again.\n\nVon: Max Mustermann <max@example.de>\nGesendet: Dienstag, 12. März 2024 10:15\nAn: Support <support@acme.example>\nBetreff: Export\n\nHallo',
    ],
    [
      'fr',
      'Please try again.\n\nDe : Jean Dupont <jean@example.fr>\nEnvoyé : mardi 12 mars 2024 10:15\nÀ : Support <support@acme.example>\nObjet : Export\n\nBonjour',
    ],
    [
      'es',
      'Please try again.\n\n-----Mensaje original-----\nDe: Juan\nEnviado el: martes\nPara: Soporte\nAsunto: Export\n\nHola',
    ],
    ['pt', 'Please try again.\n\n-----Mensagem original-----\nOlá'],
    [
      'it',
      'Please try again.\n\nDa: Marco Rossi <marco@example.it>\nInviato: martedì 12 marzo 2024 10:15\nA: Support\nOggetto: Export\n\nCiao',
    ],
    [
      'nl',
      'Please try again.\n\nVan: Jan Jansen <jan@example.nl>\nVerzonden: dinsdag 12 maart 2024 10:15\nAan: Support\nOnderwerp: Export\n\nHoi',
    ],
    [
      'hotmail, date first',
      'Please try again.\n\n----------------------------------------\n\nDate: Thu, 26 Jun 2014 13:53:45 +0400\nSubject: Test message\nFrom: abc@example.com\nTo: alex.l@example.com\n\nHello',
    ],
  ])('%s', (_label, text) => {
    expect(stripQuotedReply(text)).toBe('Please try again.');
  });

  it("leaves a customer's own From/To/Date lines alone", () => {
    const itinerary =
      'I fly on the 12th.\nFrom: London\nTo: Paris\nDate: 12 May\nPlease rebook me.';
    expect(stripQuotedReply(itinerary)).toBe(itinerary);
  });
});

describe('stripQuotedReply: signatures and fallbacks', () => {
  it.each([
    ['Thanks!\n\n-- \nAna Díaz\nACME Corp', 'Thanks!'],
    ['Thanks!\n\nSent from my iPhone', 'Thanks!'],
    ['Danke!\n\nVon meinem iPhone gesendet', 'Danke!'],
    ['Merci !\n\nEnvoyé de mon iPhone', 'Merci !'],
    ['Gracias\n\nEnviado desde mi iPhone', 'Gracias'],
    ['Line one\r\nLine two\r\n\r\n> quoted', 'Line one\nLine two'],
  ])('%j → %j', (text, expected) => {
    expect(stripQuotedReply(text)).toBe(expected);
  });

  it('returns the whole text when everything is quoted', () => {
    expect(stripQuotedReply('> quoted only\n> more\n')).toBe('> quoted only\n> more');
  });

  it('keeps answers written below or between quotes', () => {
    const inline =
      'Answers inline:\n\nOn Tue, Ana wrote:\n> Question one?\n\nYes.\n\n> Question two?\n\nNo.';
    const stripped = stripQuotedReply(inline);
    expect(stripped).toContain('Yes.');
    expect(stripped).toContain('No.');
  });

  it('keeps long lines intact', () => {
    const long = `Details: ${'x'.repeat(2000)}`;
    expect(stripQuotedReply(`${long}\n\nOn Tue, Ana <a@b.example> wrote:\n> hi`)).toBe(long);
  });

  it.each([
    ['a long line of spaces', `${' '.repeat(31_000)}x`],
    ['the quote-header pattern that is polynomial without re2', `${'1234 from <'.repeat(3000)}x`],
    ['many "Op" lines', 'Op x\n'.repeat(8000)],
    ['long "On" line', `On ${'a '.repeat(20_000)}`],
    ['many From lines', `From: ${'< '.repeat(140)}\n`.repeat(200)],
    ['a huge body', 'word '.repeat(400_000)],
  ])('is fast on %s', (_label, text) => {
    const started = performance.now();
    stripQuotedReply(text);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
