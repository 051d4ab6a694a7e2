import Sentiment from 'sentiment';
import type { Priority, Sentiment as SentimentLabel } from '../../db/schema/triage.js';

const analyzer = new Sentiment();

/**
 * Sentiment from the AFINN lexicon (the `sentiment` package), plus a few strongly negative
 * phrases in the other languages our starter taxonomy serves; AFINN itself is English-only.
 */
const negativeElsewhere =
  /\b(inakzeptabel|unverschämt|enttäuscht|katastrophe|inaceptable|decepcionad[oa]|horrible|inadmissible|déçu|scandaleux|inaceitável|decepcionad[oa]|péssimo)\b/i;

export function detectSentiment(text: string): { label: SentimentLabel; score: number } {
  const result = analyzer.analyze(text.slice(0, 5_000));
  const score = result.comparative;
  if (score <= -0.15 || negativeElsewhere.test(text)) return { label: 'negative', score };
  if (score >= 0.25) return { label: 'positive', score };
  return { label: 'neutral', score };
}

/** Words that mean "this is on fire" (an outage, a breach), in the languages we detect. */
const outagePattern =
  /\b(outage|down for (everyone|all)|site is down|production (is )?down|data loss|security (breach|incident)|hacked|cannot access anything|all users|ausfall|caído|panne)\b/i;
/** Words customers use to ask for speed; a team's priority history says how much they mean. */
const urgencyPattern =
  /\b(urgent|asap|immediately|emergency|legal action|chargeback|dringend|sofort|urgente|urgence|immédiatement)\b/i;
const highPattern =
  /\b(not working|doesn'?t work|broken|error|failed|crash(es|ed)?|charged twice|double charged|still (no|not)|third time|funktioniert nicht|no funciona|ne fonctionne pas|não funciona)\b/i;

const order: Priority[] = ['low', 'normal', 'high', 'urgent'];
const max = (a: Priority, b: Priority) => (order.indexOf(a) >= order.indexOf(b) ? a : b);

export interface PriorityInput {
  text: string;
  categoryDefault: Priority;
  sentiment: SentimentLabel;
  requesterEmail: string | null;
  vipDomains: string[];
  vipEmails: string[];
}

/**
 * Priority = the category's default, raised by rules: outage words → urgent; a customer's own
 * urgency words and failure words → high; VIP customers and angry customers one step up. Never lowered below the category default.
 */
export function decidePriority(input: PriorityInput): { priority: Priority; reasons: string[] } {
  let priority = input.categoryDefault;
  const reasons = [`category default ${input.categoryDefault}`];
  if (outagePattern.test(input.text)) {
    priority = 'urgent';
    reasons.push('outage words');
  } else if (urgencyPattern.test(input.text)) {
    // The customer's own "URGENT" (subject or body) asks for speed; it cannot set urgent by
    // itself, or anyone could jump the queue by writing it. Only an outage description, a
    // trusted channel or an agent makes a ticket urgent.
    priority = max(priority, 'high');
    reasons.push('customer asked for urgency');
  } else if (highPattern.test(input.text)) {
    priority = max(priority, 'high');
    reasons.push('failure words');
  }
  const vip = isVip(input);
  const bump = (p: Priority) => order[Math.min(order.indexOf(p) + 1, order.length - 1)]!;
  if (vip) {
    priority = bump(priority);
    reasons.push('VIP customer');
  }
  if (input.sentiment === 'negative' && priority !== 'urgent') {
    priority = max(priority, 'high');
    reasons.push('negative sentiment');
  }
  return { priority, reasons };
}

/**
 * The rules that still apply when a priority model decided: outage words make a ticket urgent and
 * a VIP requester raises it one step, whatever the history says. Returns the final priority and
 * the reasons of the rules that fired (empty when none did). Mere urgency words ("asap",
 * "urgent") are left to the model: in a team's history they are everywhere, and the labels say
 * what they are worth (as overrides they cut priority macro-F1 on the multilingual tickets from
 * 0.52 to 0.29).
 */
export function priorityOverrides(
  modelPriority: Priority,
  input: Pick<PriorityInput, 'text' | 'requesterEmail' | 'vipDomains' | 'vipEmails'>,
): { priority: Priority; reasons: string[] } {
  let priority = modelPriority;
  const reasons: string[] = [];
  if (outagePattern.test(input.text)) {
    priority = 'urgent';
    reasons.push('outage words');
  }
  if (isVip(input)) {
    priority = order[Math.min(order.indexOf(priority) + 1, order.length - 1)]!;
    reasons.push('VIP customer');
  }
  return { priority, reasons };
}

function isVip(input: Pick<PriorityInput, 'requesterEmail' | 'vipDomains' | 'vipEmails'>): boolean {
  const email = input.requesterEmail?.toLowerCase() ?? '';
  const domain = email.split('@')[1] ?? '';
  return input.vipEmails.includes(email) || (domain !== '' && input.vipDomains.includes(domain));
}
