import { describe, expect, it } from 'vitest';
import { decidePriority, detectSentiment } from '../../../src/pipeline/triage/signals.js';

const base = {
  categoryDefault: 'normal' as const,
  sentiment: 'neutral' as const,
  requesterEmail: 'x@shop.example',
  vipDomains: [],
  vipEmails: [],
};

describe('priority rules', () => {
  it('outage words make a ticket urgent, in several languages', () => {
    expect(decidePriority({ ...base, text: 'Our production is down since 9am' }).priority).toBe(
      'urgent',
    );
    expect(decidePriority({ ...base, text: 'Bitte dringend: kompletter Ausfall' }).priority).toBe(
      'urgent',
    );
  });
  it('a customer writing URGENT asks for speed but cannot make a ticket urgent (finding 17)', () => {
    for (const text of ['URGENT: refund please', 'Need this ASAP!!!', 'Dringend: Rechnung']) {
      const decided = decidePriority({ ...base, text });
      expect(decided.priority).toBe('high');
      expect(decided.reasons).toContain('customer asked for urgency');
    }
  });
  it('failure words raise to high; plain questions keep the category default', () => {
    expect(decidePriority({ ...base, text: 'Export is not working' }).priority).toBe('high');
    expect(decidePriority({ ...base, text: 'Which plan fits a team of five?' }).priority).toBe(
      'normal',
    );
  });
  it('VIP customers get one step up', () => {
    const vip = decidePriority({
      ...base,
      text: 'Question about invoices',
      vipDomains: ['shop.example'],
    });
    expect(vip.priority).toBe('high');
    expect(vip.reasons).toContain('VIP customer');
  });
});

describe('sentiment', () => {
  it('reads clear negative and positive English', () => {
    expect(detectSentiment('This is terrible, I am very angry and disappointed').label).toBe(
      'negative',
    );
    expect(detectSentiment('Thanks a lot, great help, love it').label).toBe('positive');
    expect(detectSentiment('Where is my order 1234?').label).toBe('neutral');
  });
  it('catches strong negatives in other languages', () => {
    expect(detectSentiment('Das ist inakzeptabel').label).toBe('negative');
  });
});
