import { type Candidate, looksRandom, MASK } from './detectors.js';

/**
 * Credentials developers paste into tickets: keys with well-known prefixes, JWTs, bearer tokens,
 * private keys, and random-looking values right after a word such as "password" or "API key".
 */

interface SecretPattern {
  pattern: RegExp;
  /** Capture group holding the secret when the match includes a label ("Bearer …"). */
  group?: number;
  /** Extra check on the secret itself. */
  check?: (secret: string) => boolean;
}

const PREFIXED: SecretPattern[] = [
  // PEM private keys, whole block; a truncated paste (no END line) still loses its key material.
  {
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]{0,20000}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----/g,
  },
  { pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:\s*[A-Za-z0-9+/=]{16,})+/g },
  // OpenAI / Anthropic style (sk-…, sk-proj-…, sk-ant-…)
  { pattern: /(?<![\w-])sk-[A-Za-z0-9_-]{20,}/g },
  // Stripe secret and restricted keys, webhook secrets
  { pattern: /(?<![\w-])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { pattern: /(?<![\w-])whsec_[A-Za-z0-9+/=]{20,}/g },
  // GitHub tokens and fine-grained PATs
  { pattern: /(?<![\w-])gh[pousr]_[A-Za-z0-9]{30,}/g },
  { pattern: /(?<![\w-])github_pat_[A-Za-z0-9_]{40,}/g },
  // GitLab, npm, Hugging Face, Shopify, Mailgun, SendGrid
  { pattern: /(?<![\w-])glpat-[A-Za-z0-9_-]{20,}/g },
  { pattern: /(?<![\w-])npm_[A-Za-z0-9]{36,}/g },
  { pattern: /(?<![\w-])hf_[A-Za-z0-9]{30,}/g },
  { pattern: /(?<![\w-])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32,}/g },
  { pattern: /(?<![\w-])key-[0-9a-f]{32}(?![\w-])/g },
  { pattern: /(?<![\w-])SG\.[\w-]{16,}\.[\w-]{16,}/g },
  // Slack tokens and incoming-webhook URLs
  { pattern: /(?<![\w-])xox[abposre]-[A-Za-z0-9-]{10,}/g },
  { pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]{20,}/g },
  // AWS access key ids, Google API keys
  {
    pattern:
      /(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  },
  { pattern: /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g },
  // JWTs: base64url of '{"' twice, then a signature
  { pattern: /(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  // Authorization header values pasted from curl or logs
  {
    pattern: /\b(?:Bearer|Basic|Token)\s+([A-Za-z0-9._~+/-]{12,}=*)/dgi,
    group: 1,
    check: (secret) => looksRandom(secret.replace(/=+$/, ''), 12),
  },
];

/** Words announcing a credential, in the languages our customers write in. */
const LABEL =
  /(?<![\p{L}])(password|passwort|passwd|pwd|passcode|passphrase|kennwort|contraseña|contrasena|clave|mot de passe|mdp|senha|wachtwoord|parola|has[łl]o|pin|api[ _-]?key|apikey|access[ _-]?key|secret[ _-]?key|client[ _-]?secret|private[ _-]?key|auth[ _-]?token|token|secret|credentials?)(?![\p{L}])/giu;
const PASSWORD_LABEL =
  /^(?:password|passwort|passwd|pwd|passcode|passphrase|kennwort|contraseña|contrasena|clave|mot de passe|mdp|senha|wachtwoord|parola|has[łl]o)$/iu;
/** Between the label and the value: a colon/equals or a verb ("is", "ist", "es", "est", …). */
const ASSIGNMENT =
  /^[^\S\n]*(?:(?:[:=]|->|=>|\bis\b|\bist\b|\blautet\b|\bes\b|\best\b|\bera\b|\bwas\b)[^\S\n]*)+/iu;
const VALUE = /^(["'`]?)([^\s"'`<>\uFFFC]{1,200})\1/u;
const LOOKAHEAD_CHARS = 60;

export function detectSecrets(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { pattern, group, check } of PREFIXED) {
    for (const m of text.matchAll(pattern)) {
      const span: readonly [number, number] | undefined =
        group !== undefined ? m.indices?.[group] : [m.index, m.index + m[0].length];
      if (!span) continue;
      const [start, end] = span;
      const secret = text.slice(start, end);
      if (check && !check(secret)) continue;
      out.push({ kind: 'secret', start, end, key: secret });
    }
  }
  out.push(...detectLabelledSecrets(text));
  return out;
}

/** "password: Sommer2024!", "API key is 9fQ…", "mein Passwort lautet Hunde#Katze7". */
function detectLabelledSecrets(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(LABEL)) {
    const label = m[1] ?? m[0];
    const after = m.index + m[0].length;
    // The look-ahead stops at text already claimed (another finding or a placeholder).
    const window = text.slice(after, after + LOOKAHEAD_CHARS).split(MASK)[0] ?? '';
    const assignment = ASSIGNMENT.exec(window);
    const isPassword = PASSWORD_LABEL.test(label);
    const isPin = /^pin$/i.test(label);
    if (assignment) {
      const rest = window.slice(assignment[0].length);
      const value = VALUE.exec(rest);
      if (!value?.[2]) continue;
      const quote = value[1] ?? '';
      // Sentence punctuation is not part of an unquoted value.
      const secret = quote ? value[2] : value[2].replace(/[.,;:)\]}]+$/, '');
      const ok = isPin
        ? /^\d{4,8}$/.test(secret)
        : isPassword
          ? passwordLike(secret)
          : looksRandom(secret, 12);
      if (!ok) continue;
      const start = after + assignment[0].length + quote.length;
      out.push({ kind: 'secret', start, end: start + secret.length, key: secret });
      continue;
    }
    if (isPin) continue;
    // No "is"/":" — take a machine-looking token a few words on ("my API key for staging 9fQ2…").
    for (const token of window.matchAll(/[^\s"'`<>\uFFFC]{20,}/gu)) {
      if (token.index === 0) continue; // glued to the label: "SECRET_KEY_ID…" is a name, not a value
      const secret = token[0].replace(/[.,;:)\]}]+$/, '');
      if (looksRandom(secret, 20)) {
        const start = after + token.index;
        out.push({ kind: 'secret', start, end: start + secret.length, key: secret });
        break;
      }
    }
  }
  return out;
}

/**
 * A password someone typed: 6+ characters with a digit, or three character classes, or long and
 * mixed. Plain words ("incorrect", "changed!") and masks ("********") are not passwords.
 */
function passwordLike(value: string): boolean {
  if (value.length < 6 || value.includes(MASK) || /^[*•·x.]+$/i.test(value)) return false;
  const hasDigit = /\d/.test(value);
  const classes =
    Number(/\p{Ll}/u.test(value)) +
    Number(/\p{Lu}/u.test(value)) +
    Number(hasDigit) +
    Number(/[^\p{L}\d]/u.test(value));
  if (classes < 2) return /^\d{6,}$/.test(value);
  return hasDigit || classes >= 3 || value.length >= 12;
}
