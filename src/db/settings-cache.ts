import type { Db } from './client.js';
import { type PipelineSettings, readPipelineSettings } from './queries/settings.js';

/**
 * The taxonomy, routing rules, embedding models and auto-send policies, cached per process and
 * keyed by `settings_version`. Every job reads the version with its ticket (loadTicketContext, no
 * extra statement) and asks for the settings at that version: the cached ones while it matches,
 * else one statement reads them again. Triggers bump the version in the transaction of every
 * change (migration 0020), so a job whose ticket was read after a change committed always sees
 * it; per ticket that was four statements, now none.
 */
export interface SettingsCache {
  at(version: number | null): Promise<PipelineSettings>;
}

export function createSettingsCache(db: Db): SettingsCache {
  let cached: Promise<PipelineSettings> | null = null;
  let cachedVersion: number | null = null;
  return {
    at(version) {
      // No version row (a database behind its migrations): never cached.
      if (version === null) return readPipelineSettings(db);
      if (cached && cachedVersion === version) return cached;
      // Jobs that see the same new version share one read; the settings are labelled with the
      // version read beside them, which may already be newer than the one asked for.
      const reading = readPipelineSettings(db);
      cached = reading;
      cachedVersion = version;
      reading.then(
        (settings) => {
          if (cached === reading) cachedVersion = settings.version;
        },
        () => {
          if (cached === reading) cached = null;
        },
      );
      return reading;
    },
  };
}
