// Pushing to a CLI device: an SCP upload (replace), then commands typed in one shell session
// through the session engine (login, enable, prompts exactly as for a backup). Each answer is
// checked against the platform's "refused" pattern; the first refused command stops the push,
// runs the platform's abandon commands, and is reported with the device's answer.
import type { Driver } from '../drivers/types.ts';
import { NetkeepError, classify } from '../errors.ts';
import { runSession } from '../session/index.ts';
import { GENERIC_REJECTED } from '../session/engine.ts';
import { connect } from '../transports/index.ts';
import { openFileTransfer } from '../transports/sftp.ts';
import { resolveTimeouts } from '../transports/ssh.ts';
import type { AlgorithmProfile } from '../transports/types.ts';
import type { RestoreDevice } from './device.ts';

export interface CliStep {
  command: string;
  answer: string;
}

export type CliPushResult = { ok: true; transcript: CliStep[] } | { ok: false; transcript: CliStep[]; failed: CliStep };

/** The device's answer to a command: without the echoed command line and the prompt after it. */
function answerOf(out: string): string {
  const lines = out.replace(/\r/g, '').split('\n');
  lines.shift();
  lines.pop();
  return lines.join('\n').trim();
}

function algorithms(dev: RestoreDevice): AlgorithmProfile | undefined {
  return typeof dev.options.algorithms === 'string' ? (dev.options.algorithms as AlgorithmProfile) : undefined;
}

/** Copy a file to the device by SCP. */
export async function uploadFile(dev: RestoreDevice, path: string, content: string): Promise<void> {
  const algo = algorithms(dev);
  const ft = await openFileTransfer({
    host: dev.address,
    ...(dev.port ? { port: dev.port } : {}),
    credentials: dev.credentials,
    timeouts: dev.timeouts,
    hostKey: dev.hostKey,
    method: 'scp',
    ...(algo ? { algorithms: algo } : {}),
  });
  try {
    await ft.write(path, Buffer.from(content, 'utf8'));
  } finally {
    ft.close();
  }
}

/** Type `commands` in one shell session; stop at the first one the device refuses (then type `abandon`). */
export async function runCommands(dev: RestoreDevice, commands: string[], o: { rejected?: RegExp | undefined; abandon?: string[] } = {}): Promise<CliPushResult> {
  const base = dev.driver!;
  const rejected = o.rejected ?? GENERIC_REJECTED;
  const transcript: CliStep[] = [];
  let failed: CliStep | undefined;
  // the device's own driver for login, prompts and enable; the commands are ours, outputs raw
  const driver: Driver = {
    ...base,
    mode: 'shell',
    cleanup: [],
    secrets: [],
    facts: [],
    commands: [
      {
        label: 'restore',
        run: async (ctx) => {
          for (const command of commands) {
            const step = { command, answer: answerOf(await ctx.cmd(command)) };
            transcript.push(step);
            rejected.lastIndex = 0;
            if (rejected.test(step.answer)) {
              failed = step;
              for (const a of o.abandon ?? []) transcript.push({ command: a, answer: answerOf(await ctx.cmd(a)) });
              break;
            }
          }
          return '';
        },
      },
    ],
  };
  const protocol = dev.protocol === 'telnet' ? 'telnet' : 'ssh';
  const where = `${dev.name} (${dev.address}${dev.port ? `:${dev.port}` : ''})`;
  try {
    const timeouts = resolveTimeouts(dev.timeouts);
    const algo = algorithms(dev);
    const conn = await connect({
      host: dev.address,
      ...(dev.port ? { port: dev.port } : {}),
      protocol,
      credentials: dev.credentials,
      timeouts: { connectMs: timeouts.connectMs, idleMs: timeouts.idleMs + 1000, sessionMs: timeouts.sessionMs + 1000 },
      hostKey: dev.hostKey,
      ...(algo ? { algorithms: algo } : {}),
      ...(base.login?.username || base.login?.password
        ? { telnetLogin: { ...(base.login.username ? { username: base.login.username } : {}), ...(base.login.password ? { password: base.login.password } : {}) } }
        : {}),
    });
    await runSession(conn, {
      driver,
      credentials: dev.credentials,
      timeouts,
      vars: { ...(dev.options.vars && typeof dev.options.vars === 'object' ? (dev.options.vars as Record<string, unknown>) : {}), ssh_no_exec: true },
    });
  } catch (err) {
    const e = classify(err, where);
    const last = transcript[transcript.length - 1];
    throw new NetkeepError(e.failureClass, `${e.message}${last ? ` (after "${last.command}")` : ''}`, { ...e.details, transcript }, { cause: e });
  }
  return failed ? { ok: false, transcript, failed } : { ok: true, transcript };
}
