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
  /** Custom triage fields predicted by their models (see `RuleConditions.fields`). */
  fields?: Record<string, string>;
}

/** Values the field models learned, used unless a rule about the ticket itself overrides them. */
export interface LearnedRouting {
  queue?: string;
  team?: string;
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
  /** The rule that set each of these, when one did (shown to agents as the override's reason). */
  setBy: { queue: string | null; team: string | null; priority: string | null };
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
    (c.automated === undefined || c.automated === f.automated) &&
    (!c.fields ||
      Object.entries(c.fields).every(([field, allowed]) => anyOf(allowed, f.fields?.[field] ?? '')))
  );
}

/**
 * A rule that looks only at the category (or at nothing: the catch-all) encodes "this kind of
 * ticket goes there", which is exactly what a queue or team model learns from the team's own
 * history; once such a model exists it replaces those rules. A rule that looks at the ticket itself
 * (automated mail, a requester domain, tags, priority, language…) still overrides the model.
 */
function looksBeyondCategory(c: RuleConditions): boolean {
  return Object.entries(c).some(
    ([key, value]) =>
      key !== 'category' &&
      key !== 'minConfidence' &&
      key !== 'maxConfidence' &&
      value !== undefined &&
      !(Array.isArray(value) && value.length === 0),
  );
}

/**
 * Applies ordered rules: the first match decides, except rules marked continueMatching, whose
 * actions merge in while evaluation goes on. Later rules never override a field already set.
 */
export function route(
  rules: readonly RuleLike[],
  facts: RoutingFacts,
  learned: LearnedRouting = {},
): RoutingDecision {
  const decision: RoutingDecision = {
    team: null,
    queue: null,
    assignee: null,
    tags: [],
    priority: facts.priority,
    slaPolicy: null,
    draft: !facts.automated,
    matchedRules: [],
    setBy: { queue: null, team: null, priority: null },
  };
  let priorityFixed = false;
  let draftFixed = false;
  for (const rule of rules) {
    if (!rule.enabled || !ruleMatches(rule.conditions, facts)) continue;
    const a = rule.actions;
    decision.matchedRules.push(rule.name);
    const overridesModels = looksBeyondCategory(rule.conditions);
    if (a.team && decision.team === null && (learned.team === undefined || overridesModels)) {
      decision.team = a.team;
      decision.setBy.team = rule.name;
    }
    if (a.queue && decision.queue === null && (learned.queue === undefined || overridesModels)) {
      decision.queue = a.queue;
      decision.setBy.queue = rule.name;
    }
    decision.assignee ??= a.assignee ?? null;
    decision.slaPolicy ??= a.slaPolicy ?? null;
    if (a.priority && !priorityFixed) {
      decision.priority = a.priority;
      decision.setBy.priority = rule.name;
      priorityFixed = true;
    }
    if (a.draft !== undefined && !draftFixed) {
      decision.draft = a.draft;
      draftFixed = true;
    }
    for (const tag of a.addTags ?? []) if (!decision.tags.includes(tag)) decision.tags.push(tag);
    if (!rule.continueMatching) break;
  }
  decision.team ??= learned.team ?? null;
  decision.queue ??= learned.queue ?? null;
  // Automated mail is never answered, whatever a rule says.
  if (facts.automated) decision.draft = false;
  return decision;
}
