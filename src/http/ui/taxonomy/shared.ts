import type { Hono } from 'hono';
import type { UiEnv } from '../session.js';

/** The router every taxonomy page and form registers itself on. */
export type TaxonomyApp = Hono<UiEnv>;

/** Outcome messages of the taxonomy page, by code (redirects carry codes, never request text). */
export const taxonomyNotices = {
  saved: { kind: 'ok', text: 'Saved. The classifier retrains with the change within a minute.' },
  retired: {
    kind: 'ok',
    text: 'Starter categories retired; the classifier retrains without them.',
  },
  nothing: { kind: 'ok', text: 'No starter category needed retiring.' },
  invalid: { kind: 'error', text: 'The form was incomplete or invalid; nothing was changed.' },
} as const;
