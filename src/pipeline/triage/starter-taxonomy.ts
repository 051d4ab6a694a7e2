import type { Db } from '../../db/client.js';
import { ensureStarterData } from '../../db/queries/triage.js';
import type { Priority, RuleActions, RuleConditions } from '../../db/schema/triage.js';

export interface StarterCategory {
  name: string;
  description: string;
  defaultPriority: Priority;
  examples: string[];
}

/**
 * A starter taxonomy for a typical SaaS / e-commerce support team, so a fresh install classifies
 * from the first ticket. Teams edit it through the admin API; agent corrections retrain the model.
 * The examples are written for this project (not taken from any dataset).
 */
export const starterTaxonomy: StarterCategory[] = [
  {
    name: 'billing',
    description: 'Charges, invoices, payment methods, pricing questions, double charges.',
    defaultPriority: 'normal',
    examples: [
      'I was charged twice this month',
      'Can you send me an invoice for my last payment?',
      'My credit card payment keeps failing',
      'How do I update the card on file?',
      'Why did my bill go up this month?',
      'I need a VAT invoice with my company details',
      'There is a charge I do not recognise on my statement',
      'Can I pay by bank transfer instead of card?',
      'Your pricing page says something different from what I paid',
      'Please change the billing email address on our account',
    ],
  },
  {
    name: 'refund',
    description: 'Requests for money back, refund status.',
    defaultPriority: 'normal',
    examples: [
      'I want a refund for my order',
      'When will I get my money back?',
      'Please refund the annual plan, I only needed a month',
      'The refund you promised has not arrived yet',
      'Can I get a partial refund for the damaged item?',
      'I returned the product two weeks ago and still no refund',
      'Refund my last payment please, it was a mistake',
      'How long do refunds take to show on my card?',
    ],
  },
  {
    name: 'shipping',
    description: 'Delivery status, tracking, late or lost parcels, delivery address changes.',
    defaultPriority: 'normal',
    examples: [
      'Where is my order? It has not arrived',
      'My tracking number does not work',
      'The parcel says delivered but I never got it',
      'Can I change the delivery address for my order?',
      'How long does shipping to Canada take?',
      'My package is stuck in customs',
      'The courier left my parcel at the wrong house',
      'Do you ship internationally?',
      'Order placed a week ago and still not shipped',
    ],
  },
  {
    name: 'returns',
    description: 'Returning or exchanging items, return labels, damaged or wrong items.',
    defaultPriority: 'normal',
    examples: [
      'How do I return an item?',
      'I received the wrong size, can I exchange it?',
      'The product arrived broken',
      'Please send me a return label',
      'Is it too late to return my order from last month?',
      'You sent me the wrong colour',
      'Can I exchange this for a different model?',
      'The item is damaged and I want to send it back',
    ],
  },
  {
    name: 'account',
    description: 'Login, password reset, two-factor authentication, account settings and users.',
    defaultPriority: 'normal',
    examples: [
      'I cannot log in to my account',
      'The password reset email never arrives',
      'I lost my phone and cannot get my two-factor code',
      'How do I change the email address on my account?',
      'My account is locked after too many attempts',
      'Please add a new user to our workspace',
      'How do I delete my account and my data?',
      'I forgot my username',
      'Single sign-on stopped working for our team',
    ],
  },
  {
    name: 'technical',
    description: 'Bugs, errors, outages, integrations and API problems.',
    defaultPriority: 'high',
    examples: [
      'The app crashes when I open the dashboard',
      'I get error 500 when saving',
      'Your API returns 401 for valid keys',
      'The site is down for everyone in our company',
      'Export to CSV produces an empty file',
      'The integration with Slack stopped syncing',
      'Page is very slow since the last update',
      'Webhooks are not being delivered to our endpoint',
      'Data is missing from my reports since yesterday',
    ],
  },
  {
    name: 'cancellation',
    description: 'Cancelling subscriptions or orders, downgrades, closing accounts.',
    defaultPriority: 'normal',
    examples: [
      'Please cancel my subscription',
      'How do I cancel my order before it ships?',
      'I want to downgrade to the free plan',
      'Stop renewing my plan automatically',
      'Cancel my membership effective immediately',
      'We are moving to another tool, please close our account',
      'I cancelled but I was still charged',
    ],
  },
  {
    name: 'product_question',
    description: 'How-to questions, features, compatibility, availability, sizing.',
    defaultPriority: 'low',
    examples: [
      'Does this work with Windows?',
      'How do I set up a recurring report?',
      'Is the blue version back in stock?',
      'What is the difference between the Pro and Business plans?',
      'Can I use the product offline?',
      'Which size should I order?',
      'How do I invite my team?',
      'Do you have a discount for non-profits?',
    ],
  },
  {
    name: 'feedback',
    description: 'Complaints, praise, feature requests and suggestions.',
    defaultPriority: 'low',
    examples: [
      'It would be great if you added dark mode',
      'Your support agent was very helpful, thank you',
      'I am very disappointed with the service',
      'Please add an option to export to PDF',
      'The new design is confusing',
      'Love the product, keep it up',
      'Terrible experience, I will not order again',
    ],
  },
];

export interface StarterRule {
  name: string;
  conditions: RuleConditions;
  actions: RuleActions;
  continueMatching?: boolean;
}

/** Default routing: sensible for a fresh install, edited through the admin API. */
export const starterRoutingRules: StarterRule[] = [
  {
    name: 'Automated mail: file, never draft',
    conditions: { automated: true },
    actions: { queue: 'automated', draft: false, addTags: ['automated'] },
  },
  {
    name: 'Urgent goes to escalations',
    conditions: { priority: ['urgent'] },
    actions: { team: 'escalations', slaPolicy: 'urgent', addTags: ['escalated'] },
    continueMatching: true,
  },
  {
    name: 'Low-confidence triage: human review',
    conditions: { maxConfidence: 0.35 },
    actions: { addTags: ['triage-review'] },
    continueMatching: true,
  },
  {
    name: 'Money matters to billing',
    conditions: { category: ['billing', 'refund', 'cancellation'] },
    actions: { team: 'billing', queue: 'billing' },
  },
  {
    name: 'Orders to fulfilment',
    conditions: { category: ['shipping', 'returns'] },
    actions: { team: 'fulfilment', queue: 'orders' },
  },
  {
    name: 'Technical to tier 2',
    conditions: { category: ['technical'] },
    actions: { team: 'tier2', queue: 'technical' },
  },
  {
    name: 'Everything else',
    conditions: {},
    actions: { team: 'general', queue: 'general' },
  },
];

/**
 * The starter taxonomy and routing rules, once per database (later edits are kept). Here rather
 * than in build-deps.ts so a CLI command that opens a new store seeds it without loading the
 * whole app.
 */
export function seedStarterData(db: Db): Promise<void> {
  return ensureStarterData(db, { taxonomy: starterTaxonomy, rules: starterRoutingRules });
}
