import { describe, expect, it } from 'vitest';
import { automatedSubjectPhrase, detectAutomated } from '../../../src/ingest/email/automated.js';
import type { HeaderField } from '../../../src/ingest/email/types.js';

function check(
  headers: Record<string, string> = {},
  overrides: {
    from?: string | null;
    subject?: string;
    contentType?: string | null;
    supportAddress?: string;
  } = {},
) {
  const list: HeaderField[] = Object.entries(headers).map(([name, value]) => ({ name, value }));
  return detectAutomated({
    headers: list,
    fromAddress: overrides.from === undefined ? 'ana@example.com' : overrides.from,
    subject: overrides.subject ?? 'Cannot log in',
    contentType: overrides.contentType ?? null,
    supportAddress: overrides.supportAddress,
  });
}

describe('detectAutomated: headers', () => {
  it.each([
    [{ 'Auto-Submitted': 'auto-replied' }, 'auto-submitted: auto-replied'],
    [{ 'auto-submitted': 'Auto-Generated (owner)' }, 'auto-submitted: auto-generated'],
    [{ 'Auto-Submitted': 'auto-notified; owner-email="x@y"' }, 'auto-submitted: auto-notified'],
    [{ Precedence: 'bulk' }, 'precedence: bulk'],
    [{ Precedence: 'List' }, 'precedence: list'],
    [{ Precedence: 'junk' }, 'precedence: junk'],
    [{ Precedence: 'auto_reply' }, 'precedence: auto_reply'],
    [{ 'X-Auto-Response-Suppress': 'All' }, 'x-auto-response-suppress: All'],
    [{ 'X-Auto-Response-Suppress': 'OOF, AutoReply' }, 'x-auto-response-suppress: OOF, AutoReply'],
    [{ 'X-Autoreply': 'yes' }, 'x-autoreply: yes'],
    [{ 'X-Autorespond': 'Vacation' }, 'x-autorespond: Vacation'],
    [{ 'X-Autoresponder': 'true' }, 'x-autoresponder: true'],
    [
      { 'List-Id': 'Riak Users <riak-users.lists.basho.com>' },
      'list-id: Riak Users <riak-users.lists.basho.com>',
    ],
    [{ 'List-Unsubscribe': '<mailto:unsub@news.example>' }, 'list-unsubscribe'],
    [{ 'Return-Path': '<>' }, 'return-path: <>'],
    [{ 'Return-Path': '< >' }, 'return-path: <>'],
    [{ 'X-Failed-Recipients': 'gone@example.com' }, 'x-failed-recipients'],
  ])('%o → %s', (headers, reason) => {
    expect(check(headers)).toEqual({ automated: true, reason });
  });

  it.each([
    [{ 'Auto-Submitted': 'no' }],
    [{ 'Auto-Submitted': 'No (a human)' }],
    [{ Precedence: 'first-class' }],
    [{ 'X-Auto-Response-Suppress': 'None' }],
    [{ 'X-Autoreply': 'no' }],
    [{ 'Return-Path': '<ana@example.com>' }],
    [{ 'Reply-To': 'noreply-not-really@example.com' }],
  ])('%o is a person', (headers) => {
    expect(check(headers)).toEqual({ automated: false, reason: null });
  });

  it('reports multipart/report from the content type or the Content-Type header', () => {
    expect(check({}, { contentType: 'multipart/report' }).reason).toBe('multipart/report');
    expect(
      check({ 'Content-Type': 'multipart/report; report-type=delivery-status; boundary=x' }).reason,
    ).toBe('multipart/report');
  });

  it('returns the most specific reason first', () => {
    expect(
      check(
        { 'Auto-Submitted': 'auto-replied', Precedence: 'bulk', 'List-Id': '<l.example>' },
        { contentType: 'multipart/report', from: 'MAILER-DAEMON@mx.example' },
      ).reason,
    ).toBe('multipart/report');
    expect(check({ Precedence: 'bulk', 'Auto-Submitted': 'auto-generated' }).reason).toBe(
      'auto-submitted: auto-generated',
    );
  });

  it('does not treat our own Google Group (support@ as a group) as a mailing list', () => {
    const groupHeaders = {
      'List-Id': '<support.acme.example>',
      'List-Unsubscribe': '<mailto:support+unsubscribe@acme.example>',
    };
    expect(check(groupHeaders, { supportAddress: 'support@acme.example' }).automated).toBe(false);
    expect(check(groupHeaders).reason).toBe('list-id: <support.acme.example>');
  });
});

describe('detectAutomated: senders', () => {
  it.each([
    ['MAILER-DAEMON@mx.example.com', 'from: mailer-daemon'],
    ['postmaster@example.com', 'from: postmaster'],
    ['Postmaster@ci.com', 'from: postmaster'],
    ['noreply@github.com', 'from: noreply'],
    ['no-reply@accounts.example', 'from: no-reply'],
    ['no_reply@example.com', 'from: no_reply'],
    ['donotreply@bank.example', 'from: donotreply'],
    ['do-not-reply@shop.example', 'from: do-not-reply'],
    ['mail-noreply@google.com', 'from: noreply'],
    ['noreply+bounces@example.com', 'from: noreply'],
  ])('%s → %s', (from, reason) => {
    expect(check({}, { from })).toEqual({ automated: true, reason });
  });

  it.each([
    'norman@example.com',
    'replies@example.com',
    'postmasters-guild@example.com',
    'reply@example.com',
  ])('%s is a person', (from) => {
    expect(check({}, { from }).automated).toBe(false);
  });
});

describe('detectAutomated: subjects', () => {
  it.each([
    // en
    ['Out of Office: Re: Order 4411', 'out of office'],
    ['Out of Office AutoReply: invoice', 'out of office autoreply'],
    ['Automatic reply: Your ticket #12', 'automatic reply'],
    ['Auto-Reply: hello', 'auto-reply'],
    ['AutoReply', 'autoreply'],
    ['Re: Your order (Out of office)', 'out of office'],
    ['[Auto Response] Thanks', 'auto response'],
    ['Undeliverable: Re: Password reset', 'undeliverable'],
    ['Delivery Status Notification (Failure)', 'delivery status notification'],
    ['Delivery Status Notification (Delay)', 'delivery status notification'],
    ['Mail delivery failed: returning message to sender', 'mail delivery failed'],
    ['Undelivered Mail Returned to Sender', 'undelivered mail returned to sender'],
    ['Returned mail: see transcript for details', 'returned mail'],
    ['failure notice', 'failure notice'],
    ['Warning: could not send message for past 4 hours', 'warning: could not send message'],
    ['DELIVERY FAILURE: User x not listed', 'delivery failure'],
    // de
    ['Abwesenheitsnotiz: Ihre Anfrage', 'abwesenheitsnotiz'],
    ['AW: Automatische Antwort: Rechnung', 'automatische antwort'],
    ['Unzustellbar: Rechnung 2024-11', 'unzustellbar'],
    // fr
    ['Réponse automatique : Facture', 'réponse automatique'],
    ['Absent du bureau : commande', 'absent du bureau'],
    ['Non remis : Votre demande', 'non remis'],
    // es
    ['Respuesta automática: Pedido', 'respuesta automática'],
    ['Fuera de la oficina: consulta', 'fuera de la oficina'],
    ['No se puede entregar: Factura', 'no se puede entregar'],
    // pt
    ['Resposta automática: Pedido', 'resposta automática'],
    ['Não entregue: Fatura', 'não entregue'],
    // it
    ['Risposta automatica: Ordine', 'risposta automatica'],
    ['Fuori ufficio: richiesta', 'fuori ufficio'],
    ['Non recapitabile: fattura', 'non recapitabile'],
    // nl
    ['Automatisch antwoord: bestelling', 'automatisch antwoord'],
    ['Onbestelbaar: factuur', 'onbestelbaar'],
  ])('%s → subject: %s', (subject, phrase) => {
    expect(check({}, { subject })).toEqual({ automated: true, reason: `subject: ${phrase}` });
  });

  it.each([
    'Automatic reply rules are not working',
    'Out of office settings broken',
    'Undeliverable parcel, where is my order?',
    'How do I set an out of office message?',
    'Returned items refund',
    'Re: Cannot log in',
    '',
  ])('%j is a customer', (subject) => {
    expect(automatedSubjectPhrase(subject)).toBeNull();
  });
});
