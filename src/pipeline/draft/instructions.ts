/**
 * What the extractive composer understands of an agent's Regenerate instructions. Free text in,
 * a few switches out; what it did not understand is reported back rather than silently ignored.
 * (An LLM gets the instructions verbatim in its prompt as well.)
 */
export interface RegenerateOptions {
  /** Multiplier on DRAFT_MAX_WORDS. */
  length: number;
  formal: boolean | null;
  /** Citation numbers of the previous version whose articles must not be used. */
  exclude: number[];
  /** Citation number (of the previous version) or rank of the article to use. */
  use: number | null;
  /** Another grounded alternative than the previous version. */
  nextBest: boolean;
  applied: string[];
  ignored: string[];
}

const RULES: { re: RegExp; apply: (o: RegenerateOptions, m: RegExpMatchArray) => string }[] = [
  {
    re: /\b(much )?(shorter|more concise|briefer|shorten|less text|too long)\b/i,
    apply: (o, m) => {
      o.length = m[1] ? 0.35 : 0.55;
      return 'shorter';
    },
  },
  {
    re: /\b(much )?(longer|more detail(ed|s)?|expand|too short)\b/i,
    apply: (o, m) => {
      o.length = m[1] ? 2.5 : 1.8;
      return 'longer';
    },
  },
  {
    re: /\b(less formal|more casual|informal|casual|friendlier)\b/i,
    apply: (o) => {
      o.formal = false;
      return 'less formal';
    },
  },
  {
    re: /\b(more formal|formal|polite)\b/i,
    apply: (o) => {
      if (o.formal === false) return 'less formal';
      o.formal = true;
      return 'more formal';
    },
  },
  {
    re: /\b(?:exclude|drop|remove|without|not|don'?t use|no) (?:source|article|citation|\[)\s*#?(\d{1,2})\]?/i,
    apply: (o, m) => {
      o.exclude.push(Number(m[1]));
      return `exclude source ${m[1]}`;
    },
  },
  {
    re: /\b(?:use|only|quote|from) (?:source|article|citation|\[)\s*#?(\d{1,2})\]?/i,
    apply: (o, m) => {
      o.use = Number(m[1]);
      return `use article ${m[1]}`;
    },
  },
  {
    re: /\b(next best|another (answer|article|option)|something else|different (answer|article)|try again|alternative)\b/i,
    apply: (o) => {
      o.nextBest = true;
      return 'next best';
    },
  },
];

export function parseInstructions(text: string | null | undefined): RegenerateOptions {
  const options: RegenerateOptions = {
    length: 1,
    formal: null,
    exclude: [],
    use: null,
    nextBest: false,
    applied: [],
    ignored: [],
  };
  if (!text?.trim()) return options;
  let rest = text;
  // Each rule reads what the earlier ones left: "don't use source 1" is an exclusion only, not
  // also a "use source 1".
  for (const rule of RULES) {
    for (const m of rest.matchAll(new RegExp(rule.re.source, 'gi'))) {
      const label = rule.apply(options, m);
      if (!options.applied.includes(label)) options.applied.push(label);
      rest = rest.replace(m[0], ' ');
    }
  }
  const leftover = rest
    .split(/[,;.\n]|\band\b|\bplease\b/i)
    .map((s) => s.trim())
    .filter((s) => s.split(/\s+/).filter((w) => w.length > 2).length > 0);
  options.ignored = leftover;
  return options;
}

/** One line for the agent: what Regenerate will do with these instructions. */
export function describeInstructions(text: string | null | undefined): string {
  const o = parseInstructions(text);
  if (!text?.trim())
    return 'A fresh draft from the knowledge base (the same one unless the knowledge base changed).';
  const parts = o.applied.length
    ? `Will apply: ${o.applied.join(', ')}.`
    : 'No instruction the composer understands.';
  return o.ignored.length
    ? `${parts} Not understood without an LLM: ${o.ignored.join('; ')}.`
    : parts;
}
