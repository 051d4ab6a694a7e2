import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { triageTicket } from '../../src/pipeline/triage/triage.js';
import { fileTestDeps } from '../support/fixtures.js';
import { signedZendeskRequest, zendeskTicketCreated } from '../support/zendesk.js';

const deps = await fileTestDeps();

describe('GET /metrics (Prometheus)', () => {
  it('exposes HTTP, queue, outbox, draft and model metrics, without customer text', async () => {
    const app = createApp(deps);
    const res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(
        zendeskTicketCreated('31337', { description: 'Secret words: my parcel is lost' }),
      ),
    );
    const { ticketId } = (await res.json()) as { ticketId: string };
    await triageTicket(deps, { ticketId });

    const scrape = await app.request('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    expect(text).toMatch(
      /deskpilot_http_request_duration_seconds_count\{method="POST",route="\/webhooks\/zendesk",status="202"\} 1/,
    );
    expect(text).toMatch(
      /deskpilot_model_call_duration_seconds_count\{step="triage.classify",model="classifier-v\d+"\} 1/,
    );
    expect(text).toMatch(/deskpilot_queue_jobs\{queue="triage",state="waiting"\} \d+/);
    expect(text).toMatch(/deskpilot_outbox_pending \d+/);
    // Intake and triage went through the counted driver (bench:pipeline's statements per ticket).
    expect(Number(/deskpilot_db_statements_total (\d+)/.exec(text)?.[1])).toBeGreaterThan(3);
    expect(text).toContain('deskpilot_process_cpu_seconds_total');
    expect(text).not.toContain('Secret words');
  });
});
