import type { FC } from 'hono/jsx';

export interface PendingUndo {
  draftId: string;
  ticketId: string;
  subject: string;
  /** Milliseconds left in the undo window when the page was rendered (server clock). */
  remainingMs: number;
  /** The reply will be held, not sent (email with no SMTP server configured). */
  held: boolean;
}

/**
 * The undo window after an approval: a countdown (app.js ticks it from the server's remaining
 * time, so client clocks do not matter) and the Undo button (or `u`). When it reaches zero the
 * button goes: delivery has started, or, for a reply that will be held, the line says it is held
 * (`data-done-text`), not "sending now".
 */
export const UndoBar: FC<{ undo: PendingUndo; csrf: string; back: string }> = ({
  undo,
  csrf,
  back,
}) => {
  const seconds = Math.ceil(undo.remainingMs / 1000);
  return (
    <form
      method="post"
      action={`/app/drafts/${undo.draftId}/undo`}
      class="undo-bar"
      data-testid="undo-bar"
      data-remaining-ms={String(undo.remainingMs)}
      data-done-text={
        undo.held
          ? `Reply to “${undo.subject || '(no subject)'}” held — no outbound mail is configured (SMTP_URL), so nothing was sent.`
          : undefined
      }
      role="status"
    >
      <input type="hidden" name="_csrf" value={csrf} />
      <input type="hidden" name="back" value={back} />
      <span class="undo-text">
        Reply to “{undo.subject || '(no subject)'}”{' '}
        {undo.held ? 'will be held — no outbound mail is configured (SMTP_URL) — ' : ''}
        <span class="undo-when">
          {undo.held ? 'in' : 'sends in'} <span class="countdown">{seconds}</span> s
        </span>
      </span>
      <button type="submit" class="undo" data-shortcut="u" aria-keyshortcuts="u">
        Undo <kbd>u</kbd>
      </button>
    </form>
  );
};
