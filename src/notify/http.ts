// HTTP channels: a generic webhook (JSON signed with HMAC-SHA256), and Slack- and Teams-compatible
// incoming webhooks. Failed posts (network errors, 408, 429, 5xx) are retried with exponential
// backoff; other 4xx answers are final (the URL or the payload is wrong, retrying will not help).
import { createHmac, randomUUID } from 'node:crypto';
import { cutDiff, eventJson, type Message } from './format.ts';
import type { ResolvedChannel, SendOptions, SendResult } from './types.ts';

export const SIGNATURE_HEADER = 'x-netkeep-signature';
export const TIMESTAMP_HEADER = 'x-netkeep-timestamp';

/** "sha256=<hex>" of HMAC-SHA256(secret, "<timestamp>.<body>"): what receivers recompute. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** POST with retries; `build` is called per attempt (a fresh timestamp and signature each time). */
export async function postWithRetry(url: string, build: () => { body: string; headers: Record<string, string> }, o: SendOptions = {}): Promise<SendResult> {
  const attempts = Math.max(1, o.attempts ?? 5);
  const base = o.retryBaseMs ?? 1000;
  let error = '';
  let made = 0;
  for (let i = 1; i <= attempts; i++) {
    if (i > 1 && o.signal?.aborted) break; // the process is stopping: no more retries
    made = i;
    let retryAfterMs: number | undefined;
    try {
      const { body, headers } = build();
      const signal = o.signal ? AbortSignal.any([AbortSignal.timeout(15_000), o.signal]) : AbortSignal.timeout(15_000);
      const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'user-agent': 'netkeep', ...headers }, signal, redirect: 'error' });
      const answer = (await res.text().catch(() => '')).slice(0, 300);
      if (res.ok) return { ok: true, attempts: i };
      error = `HTTP ${res.status}${answer ? `: ${answer}` : ''}`;
      if (res.status === 429) {
        const ra = Number(res.headers.get('retry-after'));
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = Math.min(300_000, ra * 1000);
      }
      if (res.status < 500 && res.status !== 408 && res.status !== 429) return { ok: false, attempts: i, error: `${error} (not retried: check the URL and the receiver)` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      error = e.cause?.code ? `${e.cause.code} ${e.cause.message ?? ''}`.trim() : e.message;
    }
    if (i < attempts && !o.signal?.aborted) await sleep(retryAfterMs ?? Math.round(base * 2 ** (i - 1) * (0.8 + Math.random() * 0.4)), o.signal);
  }
  return { ok: false, attempts: made, error: `${error} (gave up after ${made} attempt${made === 1 ? '' : 's'}${made < attempts ? ', netkeep was stopping' : ''})` };
}

/** Diffs in one webhook body stop at this many bytes in all; later events carry `diff_omitted: true`. */
export const WEBHOOK_DIFF_BUDGET = 512 * 1024;

export function webhookBody(m: Message, deliveryId: string): string {
  let budget = WEBHOOK_DIFF_BUDGET;
  const events = m.events.map((e) => {
    const j = eventJson(e);
    if (j.diff === undefined) return j;
    budget -= Buffer.byteLength(j.diff);
    if (budget >= 0) return j;
    const { diff: _d, ...rest } = j;
    return { ...rest, diff_omitted: true };
  });
  return JSON.stringify({ id: deliveryId, event: m.event, sent_at: new Date().toISOString(), title: m.title, text: m.text, severity: m.severity, count: m.events.length, events });
}

export function sendWebhook(ch: ResolvedChannel, m: Message, o: SendOptions): Promise<SendResult> {
  const deliveryId = randomUUID();
  const body = webhookBody(m, deliveryId);
  return postWithRetry(
    ch.secrets.url ?? String(ch.config.url),
    () => {
      const ts = String(Math.floor(Date.now() / 1000));
      return {
        body,
        headers: { 'x-netkeep-event': m.event, 'x-netkeep-delivery': deliveryId, [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: signature(ch.secrets.secret!, ts, body) },
      };
    },
    o,
  );
}

const SLACK_TEXT_MAX = 2900; // a section block holds 3000 characters

export function slackBody(m: Message): string {
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${m.title}*\n${m.text}`.slice(0, SLACK_TEXT_MAX) } }];
  if (m.diff) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '```' + cutDiff(m.diff, SLACK_TEXT_MAX - 10) + '```' } });
  return JSON.stringify({ text: m.title, blocks });
}

export function teamsBody(m: Message): string {
  const body: unknown[] = [
    { type: 'TextBlock', text: m.title, weight: 'Bolder', size: 'Medium', wrap: true, ...(m.severity === 'error' ? { color: 'Attention' } : m.severity === 'warning' ? { color: 'Warning' } : {}) },
    { type: 'TextBlock', text: m.text, wrap: true },
  ];
  if (m.diff) body.push({ type: 'TextBlock', text: cutDiff(m.diff, 8000), wrap: true, fontType: 'Monospace' });
  return JSON.stringify({
    type: 'message',
    summary: m.title,
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body } }],
  });
}

export function sendSlackOrTeams(ch: ResolvedChannel, m: Message, o: SendOptions): Promise<SendResult> {
  const body = ch.kind === 'slack' ? slackBody(m) : teamsBody(m);
  return postWithRetry(ch.secrets.url!, () => ({ body, headers: {} }), o);
}
