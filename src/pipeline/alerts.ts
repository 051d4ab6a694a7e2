import type { Deps } from '../deps.js';
import { newMessageId, renderHtmlFromText } from '../mail/index.js';

export interface Alert {
  kind: 'delivery_failed' | 'delivery_uncertain' | 'draft_overdue' | 'job_dead_lettered';
  summary: string;
  ticketId?: string;
  draftId?: string;
  deliveryId?: string;
}

/**
 * Tells operators and the team that something needs a human: always an error-level log line, and
 * an email to SLA_NOTIFY when mail is configured. Alerts carry ids and a summary, never customer
 * text.
 */
export async function raiseAlert(
  deps: Pick<Deps, 'log' | 'config' | 'mailer'>,
  alert: Alert,
): Promise<void> {
  deps.log.error(
    {
      alert: alert.kind,
      ticketId: alert.ticketId,
      draftId: alert.draftId,
      deliveryId: alert.deliveryId,
    },
    alert.summary,
  );
  if (!deps.mailer || deps.config.SLA_NOTIFY.length === 0) return;
  const domain = deps.config.SUPPORT_ADDRESS.split('@')[1] ?? 'localhost';
  const link = alert.ticketId
    ? `${deps.config.PUBLIC_URL}/app/tickets/${alert.ticketId}`
    : deps.config.PUBLIC_URL;
  const text = `${alert.summary}\n\nOpen: ${link}\n\n(Deskpilot alert: ${alert.kind})`;
  await Promise.all(
    deps.config.SLA_NOTIFY.map((to) =>
      deps
        .mailer!.send({
          to: { address: to },
          subject: `[Deskpilot] ${alert.summary}`.slice(0, 200),
          text,
          html: renderHtmlFromText(text),
          messageId: newMessageId(domain),
          replyTo: deps.config.SUPPORT_ADDRESS,
          autoSubmitted: true,
        })
        .catch((err) =>
          deps.log.warn({ err: err instanceof Error ? err.message : err }, 'alert email failed'),
        ),
    ),
  );
}
