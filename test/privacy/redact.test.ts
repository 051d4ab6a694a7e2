import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid, spanishIdValid } from '../../src/privacy/checksums.js';
import {
  PII_KINDS,
  type PiiKind,
  RedactionSession,
  redactFields,
  redactPII,
} from '../../src/privacy/redact.js';

/** What each finding covered in the input, as `kind:value`. */
function found(text: string, kinds?: readonly PiiKind[]): string[] {
  return redactPII(text, kinds ? { kinds } : {}).findings.map(
    (f) => `${f.kind}:${text.slice(f.start, f.end)}`,
  );
}

describe('redactPII on realistic tickets', () => {
  it('German refund request: IBAN and phone go, order number and dates stay', () => {
    const ticket = [
      'Sehr geehrtes Support-Team,',
      'ich habe am 15.03.2024 die Bestellung Nr. 4711-0815-22 storniert (Rechnung 2024/03/0042).',
      'Bitte überweisen Sie die 49,99 € auf mein Konto DE89 3704 0044 0532 0130 00 (BIC COBADEFFXXX).',
      'Rückfragen gerne telefonisch: 0171 2345678, Kundennummer 100234567.',
      'Mit freundlichen Grüßen, Max',
    ].join('\n');

    const { text, findings } = redactPII(ticket);

    expect(findings.map((f) => f.kind)).toEqual(['iban', 'phone']);
    expect(text).toContain('auf mein Konto [IBAN_1] (BIC COBADEFFXXX)');
    expect(text).toContain('telefonisch: [PHONE_1], Kundennummer 100234567.');
    for (const kept of ['15.03.2024', '4711-0815-22', '2024/03/0042', '49,99 €', '100234567']) {
      expect(text).toContain(kept);
    }
  });

  it('English billing complaint: spaced card number and phones go, order and date stay', () => {
    const ticket =
      'Hi, I was charged twice for order #100234567 on 2024-03-15. The card was ' +
      '4111 1111 1111 1111 (exp 12/27). Please call me at (415) 555-2671 or on my UK mobile ' +
      '+44 7911 123456. Invoice INV-2024-00017, total $129.00.';

    const { text } = redactPII(ticket);

    expect(text).toBe(
      'Hi, I was charged twice for order #100234567 on 2024-03-15. The card was ' +
        '[CARD_1] (exp 12/27). Please call me at [PHONE_1] or on my UK mobile ' +
        '[PHONE_2]. Invoice INV-2024-00017, total $129.00.',
    );
  });

  it('Spanish ticket: email and DNI go, order number stays', () => {
    const ticket =
      'Hola, no recibí el pedido 123456789 del 02/03/2024. Pueden escribirme a ' +
      'maría.garcía@correo.es o a MARIA.GARCIA@EMPRESA.COM.MX. Mi DNI es 12345678Z.';

    const { text, findings } = redactPII(ticket);

    expect(findings.map((f) => f.kind)).toEqual(['email', 'email', 'national_id']);
    expect(text).toBe(
      'Hola, no recibí el pedido 123456789 del 02/03/2024. Pueden escribirme a ' +
        '[EMAIL_1] o a [EMAIL_2]. Mi DNI es [NATIONAL_ID_1].',
    );
  });

  it('developer ticket: pasted keys, tokens and a password go, the code around them stays', () => {
    const ticket = [
      'Our webhook integration returns 401 since v2.3.1. Request:',
      'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U" \\',
      '  https://api.example.com/v1/orders?limit=50',
      'OPENAI_API_KEY=sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34',
      'STRIPE_SECRET_KEY=sk_live_51HxYzAbCdEf0123456789',
      'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
      'GITHUB_TOKEN: ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
      'slack bot: xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
      'The admin password is Sommer2024! (yes, Sommer2024! again).',
    ].join('\n');

    const { text, findings } = redactPII(ticket);

    expect(findings.every((f) => f.kind === 'secret')).toBe(true);
    expect(text).toBe(
      [
        'Our webhook integration returns 401 since v2.3.1. Request:',
        'curl -H "Authorization: Bearer [SECRET_1]" \\',
        '  https://api.example.com/v1/orders?limit=50',
        'OPENAI_API_KEY=[SECRET_2]',
        'STRIPE_SECRET_KEY=[SECRET_3]',
        'aws_access_key_id = [SECRET_4]',
        'GITHUB_TOKEN: [SECRET_5]',
        'slack bot: [SECRET_6]',
        'The admin password is [SECRET_7] (yes, [SECRET_7] again).',
      ].join('\n'),
    );
  });

  it('does not mistake ordinary words after "password" or "token" for secrets', () => {
    const ticket =
      'My password is not working and the reset token expired. Password: ******** ' +
      'Token is invalid. Passwort ist falsch. La contraseña es incorrecta.';
    expect(found(ticket)).toEqual([]);
  });

  it('redacts credentials in links but keeps the link readable', () => {
    const ticket =
      'The link https://app.example.com/reset/8fj2K9sl2mQ0pLx7Zq?utm_source=mail&token=abcd1234efgh ' +
      'fails, and so does https://deploy:hunter22@git.example.com/repo.git. Docs: https://example.com/docs/reset/how-to';

    expect(redactPII(ticket).text).toBe(
      'The link https://app.example.com/reset/[URL_TOKEN_1]?utm_source=mail&token=[URL_TOKEN_2] ' +
        'fails, and so does https://deploy:[URL_TOKEN_3]@git.example.com/repo.git. Docs: https://example.com/docs/reset/how-to',
    );
  });
});

describe('card numbers', () => {
  it('redacts 13–19 digit Luhn-valid numbers with spaces, dashes or nothing between groups', () => {
    expect(
      found('Visa 4111-1111-1111-1111, Amex 3782 822463 10005, plain 5555555555554444.'),
    ).toEqual(['card:4111-1111-1111-1111', 'card:3782 822463 10005', 'card:5555555555554444']);
  });

  it('leaves a 16-digit number that fails the Luhn check alone', () => {
    const notACard = '4111 1111 1111 1112';
    expect(luhnValid(notACard.replace(/\D/g, ''))).toBe(false);
    expect(redactPII(`Tracking number ${notACard} is stuck.`).text).toBe(
      `Tracking number ${notACard} is stuck.`,
    );
    expect(found('Reference 1234567890123456 and 0000 0000 0000 0000.')).toEqual([]);
  });

  it('takes the card and not the expiry digits that follow it', () => {
    expect(found('card 4111 1111 1111 1111 12 27 cvc 123')).toEqual(['card:4111 1111 1111 1111']);
  });
});

describe('IBANs', () => {
  it('accepts IBANs that pass mod-97, spaced or compact, any case, and stops at the country length', () => {
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(
      found('IBAN: GB82WEST12345698765432, fr76 3000 6000 0112 3456 7890 189 BIC AGRIFRPP'),
    ).toEqual(['iban:GB82WEST12345698765432', 'iban:fr76 3000 6000 0112 3456 7890 189']);
  });

  it('ignores IBAN-shaped strings with a wrong check digit', () => {
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(found('Konto DE89 3704 0044 0532 0130 01')).not.toContainEqual(
      expect.stringMatching(/^iban:/),
    );
  });
});

describe('phone numbers', () => {
  it('finds international and national formats in several languages', () => {
    expect(
      found(
        'Tel. +49 (0) 30 1234567 · mobile 07700 900123 · appelez le 06 12 34 56 78 · ' +
          'teléfono 612 34 56 78 · call 415.555.2671 · 0049 171 2345678 · +1-212-555-0142',
      ),
    ).toEqual([
      'phone:+49 (0) 30 1234567',
      'phone:07700 900123',
      'phone:06 12 34 56 78',
      'phone:612 34 56 78',
      'phone:415.555.2671',
      'phone:0049 171 2345678',
      'phone:+1-212-555-0142',
    ]);
  });

  it('does not eat order numbers, dates, times, versions or amounts', () => {
    const ticket =
      'Order 4711081522 from 2024-03-15 10:30, Bestellung Nr. 0815-4711-22, pedido #0612345678, ' +
      'release 10.2.1, 15.03.2024, 1.299,00 EUR, ticket 12345678, PLZ 10115 Berlin.';
    expect(found(ticket)).toEqual([]);
  });

  it('finds a number that is followed by more digits', () => {
    expect(found('Call +49 171 2345678 2024-03-15 please')).toEqual(['phone:+49 171 2345678']);
  });
});

describe('other identifiers', () => {
  it('redacts US SSNs and checksum-valid Spanish DNI/NIE, not look-alikes', () => {
    expect(spanishIdValid('X1234567L')).toBe(true);
    expect(found('SSN 123-45-6789, NIE X1234567L, DNI 12345678A, not 000-12-3456')).toEqual([
      'national_id:123-45-6789',
      'national_id:X1234567L',
    ]);
  });

  it('takes custom national-id rules', () => {
    const { text } = redactPII('Personalausweis T22000129, Steuer-ID 12 345 678 901', {
      nationalIds: [{ name: 'de_tax_id', pattern: /\b\d{2} \d{3} \d{3} \d{3}\b/g }],
    });
    expect(text).toBe('Personalausweis T22000129, Steuer-ID [NATIONAL_ID_1]');
  });

  it('redacts IP addresses only when asked to, and never version numbers', () => {
    const ticket = 'Blocked from 203.0.113.7 and 2001:db8::8a2e:370:7334 on version 10.2.1.5';
    expect(found(ticket)).toEqual([]);
    expect(found(ticket, ['ip'])).toEqual(['ip:203.0.113.7', 'ip:2001:db8::8a2e:370:7334']);
  });
});

describe('placeholders and options', () => {
  it('gives the same value the same placeholder and reports offsets into the input', () => {
    const ticket = 'Write to Ana@Example.com, not bob@example.com. Again: ana@example.com';
    const { text, findings } = redactPII(ticket);
    expect(text).toBe('Write to [EMAIL_1], not [EMAIL_2]. Again: [EMAIL_1]');
    expect(findings.map((f) => ticket.slice(f.start, f.end))).toEqual([
      'Ana@Example.com',
      'bob@example.com',
      'ana@example.com',
    ]);
  });

  it('applies only the kinds asked for', () => {
    const ticket = 'ana@example.com, 4111 1111 1111 1111';
    expect(redactPII(ticket, { kinds: ['card'] }).text).toBe('ana@example.com, [CARD_1]');
    expect(redactPII(ticket, { kinds: [] }).text).toBe(ticket);
  });

  it('shares placeholders across the fields of one ticket, with per-field kinds', () => {
    const { fields } = redactFields(
      {
        subject: 'Refund for ana@example.com',
        body: 'Hi, ana@example.com here. Card 4111 1111 1111 1111, SSN 123-45-6789.',
      },
      { fields: { body: { kinds: ['email', 'card'] } } },
    );
    expect(fields).toEqual({
      subject: 'Refund for [EMAIL_1]',
      body: 'Hi, [EMAIL_1] here. Card [CARD_1], SSN 123-45-6789.',
    });
  });

  it('leaves existing placeholders alone and numbers new findings after them', () => {
    const session = new RedactionSession();
    expect(session.redact('earlier: [EMAIL_1], [EMAIL_2]; new: carl@example.com').text).toBe(
      'earlier: [EMAIL_1], [EMAIL_2]; new: [EMAIL_3]',
    );
  });
});

// ─── properties ─────────────────────────────────────────────────────────────────────────────────

const luhnComplete = (body: string) => {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return body + d;
  throw new Error('unreachable');
};
const germanIban = (bban: string) => {
  const check = 98n - (BigInt(`${bban}131400`) % 97n);
  return `DE${String(check).padStart(2, '0')}${bban}`;
};
const grouped = (value: string, sep: string) => value.replace(/(.{4})(?=.)/g, `$1${sep}`);

const cardArb = fc
  .tuple(fc.constantFrom('4', '51', '37', '6011'), fc.stringMatching(/^\d{18}$/))
  .map(([prefix, rest]) => luhnComplete((prefix + rest).slice(0, 15)))
  .chain((n) => fc.constantFrom(n, grouped(n, ' '), grouped(n, '-')));
const ibanArb = fc
  .stringMatching(/^\d{18}$/)
  .map(germanIban)
  .chain((iban) => fc.constantFrom(iban, grouped(iban, ' ')));
const phoneArb = fc.constantFrom(
  '+49 171 2345678',
  '(415) 555-2671',
  '+44 20 7946 0958',
  'Tel: 0171 2345678',
  '+34 612 34 56 78',
);
const secretArb = fc
  .stringMatching(/^[A-Za-z0-9]{32}$/)
  .chain((s) =>
    fc.constantFrom(`sk-${s}`, `ghp_${s}1234`, `password: ${s.slice(0, 9)}7!`, `Bearer ${s}9`),
  );
const wordArb = fc.constantFrom(
  'Hallo',
  'bitte',
  'order',
  '#4711',
  'Bestellung',
  '2024-03-15',
  '15.03.2024',
  'pedido',
  'Rechnung 2024/03/15',
  'the',
  'card',
  'token',
  'password',
  'is',
  'call me at',
  'Telefon:',
  'v1.2.3',
  '12:30',
  '100234567',
  '[EMAIL_1]',
  'Nr.',
  'ñandú',
  '日本語',
);
const ticketArb = fc
  .array(
    fc.tuple(
      fc.oneof(
        { weight: 8, arbitrary: wordArb },
        { weight: 1, arbitrary: cardArb },
        { weight: 1, arbitrary: ibanArb },
        { weight: 1, arbitrary: phoneArb },
        { weight: 1, arbitrary: secretArb },
        { weight: 1, arbitrary: fc.emailAddress() },
        { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
      ),
      fc.constantFrom(' ', '\n', ', ', ': ', '. ', ' (', ') '),
    ),
    { maxLength: 20 },
  )
  .map((parts) => parts.map(([fragment, sep]) => fragment + sep).join(''));

describe('properties', () => {
  it('never leaves a detected value in the output', () => {
    fc.assert(
      fc.property(ticketArb, (ticket) => {
        const { text, findings } = redactPII(ticket, { kinds: PII_KINDS });
        for (const f of findings) expect(text).not.toContain(ticket.slice(f.start, f.end));
      }),
      { numRuns: 400 },
    );
  });

  it('finds every planted card, IBAN and API key', () => {
    fc.assert(
      fc.property(cardArb, ibanArb, secretArb, (card, iban, secret) => {
        const { text } = redactPII(`Karte ${card}, Konto ${iban}, key ${secret}.`);
        expect(text).not.toContain(card);
        expect(text).not.toContain(iban);
        expect(text).toMatch(/\[CARD_1\].*\[IBAN_1\].*\[SECRET_1\]/);
      }),
      { numRuns: 200 },
    );
  });

  it('is idempotent: redacting the output again changes nothing', () => {
    fc.assert(
      fc.property(fc.oneof(ticketArb, fc.string({ unit: 'grapheme', maxLength: 120 })), (t) => {
        const once = redactPII(t, { kinds: PII_KINDS });
        const twice = redactPII(once.text, { kinds: PII_KINDS });
        expect(twice.text).toBe(once.text);
        expect(twice.findings).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});

describe('hostile input', () => {
  it('stays fast on long runs built to make patterns backtrack', () => {
    const inputs = [
      'a'.repeat(100_000),
      '1'.repeat(100_000),
      '0 '.repeat(50_000),
      '1234 '.repeat(20_000),
      'a.b-c'.repeat(20_000),
      `https://x.com/${'a'.repeat(100_000)}`,
      'password: '.repeat(10_000),
      '1:'.repeat(50_000),
      'DE12 '.repeat(20_000),
      '+1 '.repeat(30_000),
    ];
    for (const input of inputs) {
      const started = performance.now();
      redactPII(input, { kinds: PII_KINDS });
      // Generous for a shared CI machine; a backtracking pattern takes minutes here.
      expect(performance.now() - started).toBeLessThan(5_000);
    }
  });
});
