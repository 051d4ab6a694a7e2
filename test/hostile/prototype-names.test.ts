import { describe, expect, it } from 'vitest';
import { mapZendeskStatus } from '../../src/ingest/zendesk/status.js';
import { knownTextConfigs, textConfigFor } from '../../src/kb/language.js';
import { phrasesFor } from '../../src/pipeline/draft/i18n.js';
import { fileTestApp } from '../support/fixtures.js';

/** Finding 16: names that exist on every object's prototype are not keys of our lookup tables. */
const NAMES = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];

const { app } = await fileTestApp();

describe('prototype names', () => {
  it.each(NAMES)('/app/assets/%s answers 404, not 500', async (name) => {
    const res = await app.request(`/app/assets/${name}`);
    expect(res.status).toBe(404);
  });

  it('the real assets are still served', async () => {
    expect((await app.request('/app/assets/app.css')).status).toBe(200);
  });

  it.each(NAMES)('lookups by a customer- or helpdesk-supplied %s fall back', (name) => {
    expect(mapZendeskStatus(name).status).toBeNull();
    expect(knownTextConfigs.has(textConfigFor(name))).toBe(true);
    expect(phrasesFor(name)).toBe(phrasesFor('en'));
  });
});
