// Turns bus events into notification events (title, text, severity, dedup key) and several
// events into one digest, so that an outage of a hundred devices is one message.
import type { NotifyEvent } from './types.ts';

export const DIGEST_LIST_MAX = 50;
export const DIFF_MAX_BYTES = 16_384;

export function cutDiff(diff: string, max = DIFF_MAX_BYTES): string {
  if (Buffer.byteLength(diff) <= max) return diff;
  const lines = diff.split('\n');
  const out: string[] = [];
  let size = 0;
  for (const l of lines) {
    if (size + l.length + 1 > max) break;
    out.push(l);
    size += l.length + 1;
  }
  return `${out.join('\n')}\n… (${lines.length - out.length} more lines; see the diff in netkeep)`;
}

const label = (e: NotifyEvent) => e.deviceName ?? e.deviceId ?? 'netkeep';

export interface Message {
  /** The single event name, or "digest" for several. */
  event: string;
  title: string;
  text: string;
  diff?: string;
  severity: NotifyEvent['severity'];
  events: NotifyEvent[];
}

const RANK = { error: 0, warning: 1, notice: 2, info: 3 } as const;

/** One message for one event, or a digest for several. */
export function compose(events: NotifyEvent[]): Message {
  if (events.length === 1) {
    const e = events[0]!;
    return { event: e.event, title: e.title, text: e.text, ...(e.diff ? { diff: e.diff } : {}), severity: e.severity, events };
  }
  const byEvent = new Map<string, NotifyEvent[]>();
  for (const e of events) byEvent.set(e.event, [...(byEvent.get(e.event) ?? []), e]);
  const parts = [...byEvent.entries()].map(([k, v]) => `${v.length} ${k}`);
  const lines: string[] = [];
  for (const [k, v] of byEvent) {
    lines.push(`${k} (${v.length}):`);
    for (const e of v.slice(0, DIGEST_LIST_MAX)) lines.push(`  - ${e.title}`);
    if (v.length > DIGEST_LIST_MAX) lines.push(`  … and ${v.length - DIGEST_LIST_MAX} more`);
  }
  const severity = events.reduce((s, e) => (RANK[e.severity] < RANK[s] ? e.severity : s), 'info' as NotifyEvent['severity']);
  const devices = new Set(events.map(label)).size;
  return { event: 'digest', title: `netkeep: ${parts.join(', ')} (${devices} device${devices === 1 ? '' : 's'})`, text: lines.join('\n'), severity, events };
}

/** The JSON form of one event in webhook bodies. */
export function eventJson(e: NotifyEvent) {
  return {
    event: e.event,
    at: e.at.toISOString(),
    severity: e.severity,
    device_id: e.deviceId,
    device_name: e.deviceName,
    group_id: e.groupId,
    title: e.title,
    text: e.text,
    ...(e.diff ? { diff: e.diff } : {}),
    data: e.data,
  };
}
