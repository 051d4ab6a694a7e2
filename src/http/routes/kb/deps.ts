import type { Deps } from '../../../deps.js';
import type { Thesaurus } from '../../../kb/synonyms.js';
import type { Embedder } from '../../../models/embedder/types.js';

/** What the /api/kb operations need (a leaf module, so operations do not import the router). */
export interface KbRouteDeps extends Pick<Deps, 'db' | 'apiKeys' | 'now' | 'config'> {
  /** Query embedders; search uses the newest ready model among them. */
  embedders: readonly Embedder[];
  /** Query expansion (`KB_SYNONYMS`); null = off. */
  thesaurus: Thesaurus | null;
}
