import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createApp } from '../../src/app.js';
import { createUser } from '../../src/auth/users.js';
import type { UserRole } from '../../src/db/schema/users.js';
import type { TestDeps } from './deps.js';

/** Debian's Chromium (installed by scripts/install-chromium.sh); nothing is downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-artifacts/screenshots');
export const PASSWORD = 'correct horse battery staple';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/** Serves the real app (same factory as production) on a free local port. */
export async function serveApp(deps: TestDeps): Promise<{ url: string; close(): Promise<void> }> {
  const app = createApp(deps);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // SSE streams stay open: drop them rather than wait for clients that never leave.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export async function createUserWithRole(deps: TestDeps, role: UserRole, teamId?: string) {
  const email = `${role}-${Math.random().toString(36).slice(2, 8)}@deskpilot.test`;
  await createUser(deps.db, {
    email,
    name: `${role[0]!.toUpperCase()}${role.slice(1)} Tester`,
    role,
    password: PASSWORD,
    teamId: teamId ?? null,
  });
  return email;
}

export async function signIn(page: Page, baseUrl: string, email: string, next = '/app') {
  await page.goto(`${baseUrl}/app/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/app/login'));
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
