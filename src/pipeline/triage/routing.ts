import type { Priority, RuleActions, RuleConditions, Sentiment } from '../../db/schema/triage.js';

export interface RoutingFacts {
  category: string;
  confidence: number;
  priority: Priority;
  sentiment: Sentiment;
  language: string | null;
  channel: string;
  requesterEmail: string | null;
  tags: string[];
  automated: boolean;
}

export interface RuleLike {
  id: string;
  name: string;
  enabled: boolean;
  conditions: RuleConditions;
  actions: RuleActions;
  continueMatching: boolean;
}

export interface RoutingDecision {
  team: string | null;
  queue: string | null;
  assignee: string | null;
  tags: string[];
  priority: Priority;
  slaPolicy: string | null;
  draft: boolean;
  matchedRules: string[];
}

const anyOf = <T>(allowed: T[] | undefined, value: T) =>
  !allowed || allowed.length === 0 || allowed.includes(value);

export function ruleMatches(c: RuleConditions, f: RoutingFacts): boolean {
  const domain = f.requesterEmail?.split('@')[1]?.toLowerCase() ?? '';
  return (
    anyOf(c.category, f.category) &&
    anyOf(c.priority, f.priority) &&
    anyOf(c.language, f.language ?? '') &&
    anyOf(c.channel, f.channel) &&
    anyOf(c.sentiment, f.sentiment) &&
    (c.minConfidence === undefined || f.confidence >= c.minConfidence) &&
    (c.maxConfidence === undefined || f.confidence <= c.maxConfidence) &&
    (!c.requesterDomain?.length || c.requesterDomain.some((d) => d.toLowerCase() === domain)) &&
    (!c.tagsAny?.length || c.tagsAny.some((t) => f.tags.includes(t))) &&
    (c.automated === undefined || c.automated === f.automated)
  );
}

/**
 * Applies ordered rules: the first match decides, except rules marked continueMatching, whose
 * actions merge in while evaluation goes on. Later rules never override a field already set.
 */
export function route(rules: readonly RuleLike[], facts: RoutingFacts): RoutingDecision {
  const decision: RoutingDecision = {
    team: null,
    queue: null,
    assignee: null,
    tags: [],
    priority: facts.priority,
    slaPolicy: null,
    draft: !facts.automated,
    matchedRules: [],
  };
  let priorityFixed = false;
  let draftFixed = false;
  for (const rule of rules) {
    if (!rule.enabled || !ruleMatches(rule.conditions, facts)) continue;
    const a = rule.actions;
    decision.matchedRules.push(rule.name);
    decision.team ??= a.team ?? null;
    decision.queue ??= a.queue ?? null;
    decision.assignee ??= a.assignee ?? null;
    decision.slaPolicy ??= a.slaPolicy ?? null;
    if (a.priority && !priorityFixed) {
      decision.priority = a.priority;
      priorityFixed = true;
    }
    if (a.draft !== undefined && !draftFixed) {
      decision.draft = a.draft;
      draftFixed = true;
    }
    for (const tag of a.addTags ?? []) if (!decision.tags.includes(tag)) decision.tags.push(tag);
    if (!rule.continueMatching) break;
  }
  // Automated mail is never answered, whatever a rule says.
  if (facts.automated) decision.draft = false;
  return decision;
}
