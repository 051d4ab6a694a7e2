import { streamSSE } from 'hono/streaming';
import type { Deps } from '../../../deps.js';
import type { LiveEvent } from '../../../live/events.js';
import type { InboxApp } from './shared.js';

/**
 * GET /app/events: server-sent events: new drafts, decisions and delivery changes (ids only).
 * The page reacts by refreshing its queue column; a comment every 25 s keeps proxies from
 * closing the stream.
 */
export function registerInboxEvents(app: InboxApp, deps: Deps) {
  app.get('/app/events', (c) =>
    streamSSE(c, async (stream) => {
      const pending: LiveEvent[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = deps.live.subscribe((event) => {
        pending.push(event);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: 'ready', data: '{}' });
      while (!stream.aborted && !stream.closed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 25_000);
        });
        wake = null;
        if (stream.aborted) break;
        if (pending.length === 0) {
          await stream.write(': keep-alive\n\n');
          continue;
        }
        for (const event of pending.splice(0)) {
          await stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
        }
      }
      unsubscribe();
    }),
  );
}
