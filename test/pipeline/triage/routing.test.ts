import { describe, expect, it } from 'vitest';
import { type RoutingFacts, type RuleLike, route } from '../../../src/pipeline/triage/routing.js';
import { starterRoutingRules } from '../../../src/pipeline/triage/starter-taxonomy.js';

const rules: RuleLike[] = starterRoutingRules.map((r, i) => ({
  id: String(i),
  name: r.name,
  enabled: true,
  conditions: r.conditions,
  actions: r.actions,
  continueMatching: r.continueMatching ?? false,
}));

const facts = (over: Partial<RoutingFacts> = {}): RoutingFacts => ({
  category: 'billing',
  confidence: 0.9,
  priority: 'normal',
  sentiment: 'neutral',
  language: 'en',
  channel: 'email',
  requesterEmail: 'a@example.com',
  tags: [],
  automated: false,
  ...over,
});

describe('route (starter rules)', () => {
  it('sends money matters to billing and drafts', () => {
    expect(route(rules, facts())).toMatchObject({ team: 'billing', queue: 'billing', draft: true });
  });

  it('escalates urgent tickets but still applies the category rule for the queue', () => {
    const d = route(rules, facts({ priority: 'urgent', category: 'technical' }));
    expect(d.team).toBe('escalations');
    expect(d.queue).toBe('technical');
    expect(d.slaPolicy).toBe('urgent');
    expect(d.tags).toContain('escalated');
  });

  it('never drafts for automated mail, whatever the rules say', () => {
    const d = route(
      [
        {
          id: 'x',
          name: 'draft everything',
          enabled: true,
          conditions: {},
          actions: { draft: true },
          continueMatching: false,
        },
      ],
      facts({ automated: true }),
    );
    expect(d.draft).toBe(false);
    expect(route(rules, facts({ automated: true }))).toMatchObject({
      queue: 'automated',
      draft: false,
    });
  });

  it('tags low-confidence triage for review and falls through to the catch-all', () => {
    const d = route(rules, facts({ category: 'feedback', confidence: 0.2 }));
    expect(d.tags).toContain('triage-review');
    expect(d.team).toBe('general');
  });

  it('matches requester domains, languages and tags; skips disabled rules', () => {
    const custom: RuleLike[] = [
      {
        id: '1',
        name: 'disabled',
        enabled: false,
        conditions: {},
        actions: { team: 'nobody' },
        continueMatching: false,
      },
      {
        id: '2',
        name: 'acme de',
        enabled: true,
        conditions: { requesterDomain: ['ACME.com'], language: ['de'] },
        actions: { team: 'dach' },
        continueMatching: false,
      },
      {
        id: '3',
        name: 'vip tag',
        enabled: true,
        conditions: { tagsAny: ['vip'] },
        actions: { team: 'vip', priority: 'high' },
        continueMatching: false,
      },
    ];
    expect(route(custom, facts({ requesterEmail: 'x@acme.com', language: 'de' })).team).toBe(
      'dach',
    );
    expect(route(custom, facts({ tags: ['vip'] }))).toMatchObject({
      team: 'vip',
      priority: 'high',
    });
    expect(route(custom, facts()).team).toBeNull();
  });

  it('a learned queue replaces category-only rules, but a rule about the ticket still overrides it', () => {
    const learned = route(rules, facts({ category: 'billing' }), { queue: 'Accounts' });
    expect(learned.queue).toBe('Accounts');
    expect(learned.setBy.queue).toBeNull();
    // The team still comes from the category rule: no team model here.
    expect(learned).toMatchObject({ team: 'billing', setBy: { team: 'Money matters to billing' } });
    const automated = route(rules, facts({ automated: true }), { queue: 'Accounts' });
    expect(automated.queue).toBe('automated');
    expect(automated.setBy.queue).toBe('Automated mail: file, never draft');
  });

  it('matches custom learned fields in rule conditions', () => {
    const custom: RuleLike[] = [
      {
        id: 'c',
        name: 'Incidents to on-call',
        enabled: true,
        conditions: { fields: { type: ['Incident'] } },
        actions: { team: 'on-call' },
        continueMatching: false,
      },
    ];
    expect(route(custom, facts({ fields: { type: 'Incident' } })).team).toBe('on-call');
    expect(route(custom, facts({ fields: { type: 'Request' } })).team).toBeNull();
    expect(route(custom, facts()).team).toBeNull();
  });
});
