import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/index.js';
import { signZendesk } from '../../ingest/zendesk/signature.js';

interface ReplayOptions {
  baseUrl: string;
  apiKey?: string;
  config: Config;
}

interface Prepared {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

async function listFiles(target: string): Promise<string[]> {
  const info = await stat(target);
  if (!info.isDirectory()) return [target];
  const entries = await readdir(target, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

const basicAuth = (pair: string | undefined): Record<string, string> =>
  pair ? { authorization: `Basic ${Buffer.from(pair).toString('base64')}` } : {};

/** Decides which webhook a fixture belongs to, by extension and content, and signs it if needed. */
export function prepareReplay(file: string, raw: Buffer, opts: ReplayOptions): Prepared | null {
  const ext = path.extname(file).toLowerCase();
  const text = raw.toString('utf8');
  if (ext === '.eml') {
    return {
      path: '/webhooks/email/raw',
      headers: {
        'content-type': 'message/rfc822',
        ...basicAuth(opts.config.INBOUND_BASIC_AUTH[0]),
      },
      body: raw,
    };
  }
  const boundary = /^--([^\r\n]+)\r?\n/.exec(text)?.[1];
  if (boundary && /Content-Disposition: form-data/i.test(text)) {
    return {
      path: '/webhooks/email/sendgrid',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        ...basicAuth(opts.config.INBOUND_BASIC_AUTH[0]),
      },
      // SendGrid sends CRLF line endings; fixture files are often stored with LF.
      body: Buffer.from(text.replace(/\r?\n/g, '\r\n')),
    };
  }
  if (ext !== '.json') return null;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (
    (typeof json.type === 'string' && json.type.startsWith('zen:event-type:ticket.')) ||
    json.deskpilot
  ) {
    const secret = opts.config.ZENDESK_WEBHOOK_SECRETS[0];
    if (!secret) throw new Error('ZENDESK_WEBHOOK_SECRETS must be set to sign Zendesk fixtures');
    const timestamp = new Date().toISOString();
    return {
      path: '/webhooks/zendesk',
      headers: {
        'content-type': 'application/json',
        'x-zendesk-webhook-signature': signZendesk(secret, timestamp, raw),
        'x-zendesk-webhook-signature-timestamp': timestamp,
      },
      body: raw,
    };
  }
  if ('FromFull' in json || 'MessageID' in json) {
    return {
      path: '/webhooks/email/postmark',
      headers: {
        'content-type': 'application/json',
        ...basicAuth(opts.config.INBOUND_BASIC_AUTH[0]),
      },
      body: raw,
    };
  }
  if ('eventId' in json && 'ticket' in json) {
    if (!opts.apiKey) throw new Error('--key <api key> is needed to replay generic ticket events');
    return {
      path: '/webhooks/tickets',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.apiKey}` },
      body: raw,
    };
  }
  return null;
}

/** Posts every fixture under `target` to the matching webhook; prints one JSON line per file. */
export async function replay(target: string, opts: ReplayOptions): Promise<void> {
  let failures = 0;
  for (const file of await listFiles(target)) {
    const prepared = prepareReplay(file, await readFile(file), opts);
    if (!prepared) {
      console.log(JSON.stringify({ file, skipped: 'unrecognised fixture' }));
      continue;
    }
    const res = await fetch(new URL(prepared.path, opts.baseUrl), {
      method: 'POST',
      headers: prepared.headers,
      body: prepared.body,
    });
    const body = (await res.json().catch(() => null)) as unknown;
    if (res.status >= 400) failures += 1;
    console.log(JSON.stringify({ file, webhook: prepared.path, status: res.status, body }));
  }
  if (failures > 0) process.exitCode = 1;
}
