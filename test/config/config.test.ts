import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('loadConfig', () => {
  it('has working defaults for the embedded setup', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.MAX_JSON_BYTES).toBe(1024 * 1024);
    expect(config.MAX_EMAIL_BYTES).toBe(25 * 1024 * 1024);
  });

  it('parses sizes, lists and booleans', () => {
    const config = loadConfig({
      MAX_JSON_BYTES: '2mb',
      ZENDESK_WEBHOOK_SECRETS: 'new, old',
      RUN_MIGRATIONS: 'false',
      DATABASE_URL: '',
    });
    expect(config.MAX_JSON_BYTES).toBe(2 * 1024 * 1024);
    expect(config.ZENDESK_WEBHOOK_SECRETS).toEqual(['new', 'old']);
    expect(config.RUN_MIGRATIONS).toBe(false);
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('defaults PUBLIC_URL to localhost on the port the server listens on', () => {
    expect(loadConfig({}).PUBLIC_URL).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '3300' }).PUBLIC_URL).toBe('http://localhost:3300');
    // Port 0 (an ephemeral port, as tests use) is not an address anyone can be given.
    expect(loadConfig({ PORT: '0' }).PUBLIC_URL).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '3300', PUBLIC_URL: 'https://help.example.com' }).PUBLIC_URL).toBe(
      'https://help.example.com',
    );
  });

  it('names every bad variable and the expected form', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://db', MAX_EMAIL_BYTES: 'huge' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('DATABASE_URL: expected a postgres:// URL');
      expect(message).toContain('MAX_EMAIL_BYTES');
      expect(message).toContain('.env.example');
    }
  });

  it('refuses business-hours SLA names that SLA_MINUTES does not know', () => {
    const env = { SLA_MINUTES: '{"urgent":60,"vip":30}' };
    expect(loadConfig({ ...env, SLA_BUSINESS_HOURS: 'vip,normal' }).SLA_BUSINESS_HOURS).toEqual([
      'vip',
      'normal',
    ]);
    expect(() => loadConfig({ ...env, SLA_BUSINESS_HOURS: 'VIP' })).toThrow(
      /SLA_BUSINESS_HOURS: VIP is not an SLA_MINUTES target; use one of urgent, vip, normal/,
    );
  });
});
