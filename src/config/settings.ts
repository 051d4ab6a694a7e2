/** Values of `KB_SYNONYMS` (and `eval:retrieval --synonyms`): WordNet expansion, or none. */
export const synonymsSettings = ['wordnet', 'off'] as const;
