import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

/** Issue 16 item 4: cron patterns are validated by cron-parser at boot, not by a regex. */
describe('RETENTION_SCHEDULE', () => {
  it.each(['99 3 * * *', '30 25 * * *', '0 0 31 2 *', '* * * 13 *', '0 0 * * 8'])(
    'refuses %j at boot, naming the variable',
    (pattern) => {
      expect(() => loadConfig({ RETENTION_SCHEDULE: pattern })).toThrow(ConfigError);
      expect(() => loadConfig({ RETENTION_SCHEDULE: pattern })).toThrow(/RETENTION_SCHEDULE/);
    },
  );

  it.each(['30 3 * * *', '*/15 * * * *', '0 0 1 * *', '0 30 3 * * *', '0 9 * * mon-fri'])(
    'accepts %j',
    (pattern) => {
      expect(loadConfig({ RETENTION_SCHEDULE: pattern }).RETENTION_SCHEDULE).toBe(pattern);
    },
  );
});
