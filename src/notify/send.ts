// Sends one composed message through one channel, whatever its kind.
import { sendEmail } from './email.ts';
import type { Message } from './format.ts';
import { sendSlackOrTeams, sendWebhook } from './http.ts';
import { sendSyslog } from './syslog.ts';
import type { NotifyEvent, ResolvedChannel, SendOptions, SendResult } from './types.ts';

export async function sendMessage(ch: ResolvedChannel, m: Message, events: NotifyEvent[], o: SendOptions = {}): Promise<SendResult> {
  switch (ch.kind) {
    case 'webhook':
      return sendWebhook(ch, m, o);
    case 'slack':
    case 'teams':
      return sendSlackOrTeams(ch, m, o);
    case 'email':
      return sendEmail(ch, m, o.attempts === undefined ? {} : { attempts: Math.min(o.attempts, 3) });
    case 'syslog':
      // syslog is read by machines: one message per event, never a digest
      return sendSyslog(ch, events);
  }
}

/** A test message for POST /notifications/channels/{id}/test: one attempt, no quiet period. */
export function testEvent(channelName: string): NotifyEvent {
  return {
    event: 'test',
    deviceId: null,
    deviceName: null,
    groupId: null,
    at: new Date(),
    severity: 'info',
    title: `netkeep test message for channel "${channelName}"`,
    text: 'If you read this, netkeep can reach this channel.',
    dedupKey: 'test',
    data: { channel: channelName },
  };
}
