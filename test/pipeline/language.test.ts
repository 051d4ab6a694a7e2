import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  detectLanguage,
  guessLanguage,
  LANGUAGE_CLEAR_MARGIN,
} from '../../src/pipeline/language.js';

const only = ['en', 'de', 'es', 'fr', 'pt'];
const shared = path.resolve(import.meta.dirname, '../../../shared');

/** Share of texts read as another language than `expected`; unsure counts as the English default. */
async function misread(rows: readonly [string, string][], candidates?: readonly string[]) {
  let wrong = 0;
  for (const [text, expected] of rows) {
    if (((await detectLanguage(text, candidates)) ?? 'en') !== expected) wrong++;
  }
  return wrong / rows.length;
}

describe('detectLanguage on short support text', () => {
  it('reads one-line subjects in the language they are written in', async () => {
    for (const [text, language] of [
      ['Problema recurrente de desconexión de red', 'es'],
      ['Problemas de Performance de Rede com o Roteador Cisco ISR4331', 'pt'],
      ['Rücksendungsanfrage: Problem mit Tintentank-Leckage', 'de'],
      ["Problèmes d'accès à Zoom", 'fr'],
      ['Urgent DNS Resolution Issue', 'en'],
      ['Verbessern Sie die Effizienz des Ticket-Systems.', 'de'],
    ] as const) {
      expect(await detectLanguage(text, only), text).toBe(language);
    }
  });

  it('does not read short English as another language', async () => {
    for (const text of [
      'i want a new insurance plan',
      'turn up your speaker volume',
      'locate my package',
      'start a timer please',
      'Urgent Database Outage',
    ]) {
      expect((await detectLanguage(text, only)) ?? 'en', text).toBe('en');
    }
    expect(await detectLanguage('Drucker druckt nicht mehr, bitte um Hilfe', only)).toBe('de');
  });

  it('is unsure, not wrong, on text too short to tell', async () => {
    expect(await detectLanguage('refund?')).toBeNull();
    expect(await detectLanguage('ok, danke?', only)).toBeNull();
    expect(await guessLanguage('anything at all here', ['de'])).toEqual({
      language: 'de',
      margin: 1,
      leads: {},
    });
    // Unsure between two languages is not unsure about a third.
    const close = await guessLanguage('Problema Urgente no Banco de Dados MySQL 8.0.30', only);
    expect(close.margin).toBeLessThan(0.02);
    expect(['pt', 'es']).toContain(close.language);
    expect(close.leads.en).toBeGreaterThan(LANGUAGE_CLEAR_MARGIN);
    // A language outside the detectable set is no candidate; "constructor" is not a language.
    expect(await detectLanguage('how do i change my billing address', ['xx', 'constructor'])).toBe(
      null,
    );
  });

  it('gives a long text a clear reading even between close languages', async () => {
    const spanish =
      'Asistencia requerida: Resolución de discrepancias de facturación de AWS. Estimado equipo de soporte, le escribo para llamar su atención sobre un problema que nuestro cliente ha estado experimentando con el sistema de facturación.';
    const guess = await guessLanguage(spanish, only);
    expect(guess.language).toBe('es');
    expect(guess.margin).toBeGreaterThanOrEqual(LANGUAGE_CLEAR_MARGIN);
  });

  // The measurement #20 asks for, on public short utterances (numbers in src/pipeline/language.ts).
  it('misreads under 0.3 % of CLINC150 and bitext English questions, and under 4 % of the multilingual tickets’ subject lines', async () => {
    const clinc = JSON.parse(
      readFileSync(path.join(shared, 'data/classification/clinc150/data_full.json'), 'utf8'),
    ) as Record<string, [string, string][]>;
    const english = [...clinc.test!, ...clinc.oos_test!].map(
      ([t]) => [t, 'en'] as [string, string],
    );
    expect(english.length).toBe(5_500);
    const bitext = (
      parse(
        readFileSync(
          path.join(
            shared,
            'data/classification/bitext/Bitext_Sample_Customer_Support_Training_Dataset.csv',
          ),
          'utf8',
        ),
        { columns: true },
      ) as { instruction: string }[]
    ).map((r) => [r.instruction, 'en'] as [string, string]);
    const subjects = (
      parse(
        readFileSync(
          path.join(
            shared,
            'data/classification/tickets-multilang/dataset-tickets-multi-lang3-4k.csv',
          ),
          'utf8',
        ),
        { columns: true, skip_records_with_error: true },
      ) as { subject: string; language: string }[]
    )
      .filter((r) => r.subject?.trim())
      .map((r) => [r.subject.trim(), r.language] as [string, string]);
    const rates = {
      clinc: await misread(english, only),
      bitext: await misread(bitext, only),
      subjects: await misread(subjects, only),
    };
    console.log(`language detection error on short text: ${JSON.stringify(rates)}`);
    // franc with function-word votes: 0.0031 / 0.0044 / 0.243.
    expect(rates.clinc).toBeLessThan(0.003);
    expect(rates.bitext).toBeLessThan(0.003);
    expect(rates.subjects).toBeLessThan(0.04);
  });
});
