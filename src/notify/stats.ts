// Process-wide counts of notification events by channel kind and result, read by /metrics.
export const notifyCounts = new Map<string, number>();

export function countNotify(kind: string, result: 'sent' | 'failed' | 'suppressed', n = 1): void {
  const k = `${kind}|${result}`;
  notifyCounts.set(k, (notifyCounts.get(k) ?? 0) + n);
}
