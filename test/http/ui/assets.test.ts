import { describe, expect, it } from 'vitest';
import { assetRoutes } from '../../../src/http/ui/assets.js';
import { Layout } from '../../../src/http/ui/layout.js';

describe('static assets', () => {
  const app = assetRoutes();

  it('serves the icon as SVG, and /favicon.ico points at it', async () => {
    const icon = await app.request('/app/assets/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toContain('<svg');

    const ico = await app.request('/favicon.ico');
    expect(ico.status).toBe(301);
    expect(ico.headers.get('location')).toBe('/app/assets/favicon.svg');
  });

  it('every page links the icon', async () => {
    const html = String(await Layout({ title: 'Inbox' }));
    expect(html).toContain(
      '<link rel="icon" href="/app/assets/favicon.svg" type="image/svg+xml"/>',
    );
  });
});
