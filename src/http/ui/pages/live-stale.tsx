import type { FC } from 'hono/jsx';

/**
 * An open ticket (the ticket page, the inbox's ticket pane) follows its ticket: the parts marked
 * `data-live-region` are swapped in by app.js from a fresh read of `data-follow` when a live
 * event about the ticket arrives — except a part the agent is editing, which stays as it is while
 * the first notice (hidden until then) says to reload. Reply and note boxes are never such a part.
 *
 * When that read fails (no connection, a server error), nothing is known to have changed: the
 * second notice says the check failed and offers to try again, rather than claiming a change.
 */
export const LiveStaleNotice: FC<{ reload: string }> = ({ reload }) => (
  <>
    <p class="warn-box" data-live-stale data-testid="live-stale" role="status" hidden>
      This ticket changed while you were editing. <a href={reload}>Reload</a> to see it — what you
      typed and have not sent will be lost.
    </p>
    <p class="warn-box" data-live-unchecked data-testid="live-unchecked" role="status" hidden>
      Could not check this ticket for changes:{' '}
      <span data-live-unchecked-reason>no answer from Deskpilot</span>. Nothing you typed is lost.{' '}
      <button type="button" class="link" data-live-retry>
        Retry
      </button>
    </p>
  </>
);
