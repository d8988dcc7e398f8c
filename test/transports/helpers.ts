// Test helpers shared by the transport, simulator and fetch tests.
import { expect } from 'vitest';
import type { ShellChannel } from '../../src/transports/types.ts';
import { NetkeepError } from '../../src/errors.ts';
import type { FailureClass } from '../../src/errors.ts';

/** Count of active handles by kind (sockets, servers, timers). */
export function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

/** Wait (polling, with a deadline) until sockets and timers are back to `before`. Fails the test if not. */
export async function expectNoLeaks(before: Record<string, number>, ms = 3000): Promise<void> {
  const kinds = ['TCPSocketWrap', 'Timeout', 'TCPWRAP'];
  const deadline = Date.now() + ms;
  let now = handles();
  for (;;) {
    const extra = kinds.filter((k) => (now[k] ?? 0) > (before[k] ?? 0));
    if (extra.length === 0) return;
    if (Date.now() > deadline) {
      expect.fail(`handles left behind: ${extra.map((k) => `${k} ${before[k] ?? 0} -> ${now[k]}`).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
    now = handles();
  }
}

/** Read from a shell until `re` matches the text received so far (latin1), with a deadline. */
export function readUntil(sh: ShellChannel, re: RegExp, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const t = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms; got ${JSON.stringify(text.slice(-200))}`)), ms);
    sh.onData((c) => {
      text += c.toString('latin1');
      if (re.test(text)) {
        clearTimeout(t);
        resolve(text);
      }
    });
    sh.onClose((err) => {
      clearTimeout(t);
      if (re.test(text)) resolve(text);
      else reject(err ?? new Error(`closed before ${re}; got ${JSON.stringify(text.slice(-200))}`));
    });
  });
}

/** Run `fn`, expect a NetkeepError of `cls`, return it. */
export async function expectFailure(fn: () => Promise<unknown>, cls: FailureClass): Promise<NetkeepError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a ${cls} failure, got success`).toBeDefined();
  expect(caught).toBeInstanceOf(NetkeepError);
  const ne = caught as NetkeepError;
  expect(ne.failureClass, ne.message).toBe(cls);
  return ne;
}
