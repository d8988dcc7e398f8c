// Replays a recording through the real engine over the in-memory transport and returns
// what the driver produced next to what Oxidized expects.

import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadRecording, RecordingDevice, type Recording } from '../../src/sim/recording.ts';
import { MemoryConnection } from '../../src/session/memory-channel.ts';
import { runSession, type SessionResult } from '../../src/session/engine.ts';
import { getDriver } from '../../src/drivers/index.ts';
import type { Credentials } from '../../src/transports/types.ts';

export const REC_DIR = join(import.meta.dirname, '../fixtures/recordings');

export interface Case {
  /** `<model>#<device>` */
  name: string;
  model: string;
  custom: boolean;
  simFile: string;
  /** Expected backup, or undefined if none. */
  expected: () => string;
  vars: Record<string, unknown>;
  credentials: Credentials;
  execMode: boolean;
}

const EXEC_MODELS = new Set(['junos', 'routeros', 'opnsense', 'eatonnetwork']);

/** Settings of the custom recordings (from upstream's hand-written specs, see the recordings README). */
const CUSTOM: Record<string, { vars?: Record<string, unknown>; credentials?: Credentials }> = {
  'cumulus#MSN2010_5.9.2_nvue': { vars: { cumulus_use_nvue: true } },
  'cumulus#VX_5.4.0_frr': { vars: { cumulus_routing_daemon: 'frr', enable: true }, credentials: { password: 'armud' } },
  'fortigate#FortiGate-91G_7.4.7_autoupdate': { vars: { fortigate_autoupdate: true } },
  'apcaos#SMT750IC_v2.5.0.8': {},
};

export function listCases(): Case[] {
  const files = readdirSync(REC_DIR).filter((f) => f.endsWith('simulation.yaml')).sort();
  return files.map((f) => {
    const [model, device, kind] = f.split('#');
    const name = `${model}#${device}`;
    const custom = kind.startsWith('custom');
    const simFile = join(REC_DIR, f);
    const outFile = join(REC_DIR, custom ? `${name}#custom_output.txt` : `${name}#output.txt`);
    const settings = CUSTOM[name] ?? {};
    return {
      name,
      model,
      custom,
      simFile,
      expected: () => (existsSync(outFile) ? readFileSync(outFile, 'latin1') : (loadRecording(simFile).oxidizedOutput ?? '')),
      vars: settings.vars ?? {},
      credentials: settings.credentials ?? {},
      execMode: EXEC_MODELS.has(model),
    };
  });
}

export interface Replay {
  result: SessionResult;
  device: RecordingDevice;
  recording: Recording;
}

export async function replay(c: Case, extra: { maskSecrets?: boolean; significantOnly?: boolean } = {}): Promise<Replay> {
  const recording = loadRecording(c.simFile);
  const device = new RecordingDevice(recording, { execMode: c.execMode });
  const conn = new MemoryConnection(device, 'ssh');
  const fileEntry = recording.entries.find((e) => !e.key.endsWith('\n'));
  const result = await runSession(conn, {
    driver: getDriver(c.model),
    credentials: c.credentials,
    vars: c.vars,
    maskSecrets: extra.maskSecrets,
    significantOnly: extra.significantOnly,
    timeouts: { idleMs: 3000, sessionMs: 20000 },
    fetchFile: fileEntry ? async (p) => {
      const e = recording.entries.find((x) => x.key === p);
      if (!e) throw new Error(`no file ${p} in the recording`);
      return Buffer.from(e.value, 'latin1');
    } : undefined,
  });
  return { result, device, recording };
}

/** Line-ending and trailing-space insensitive form. */
export function normalise(s: string): string {
  return s.replace(/\r\n/g, '\n').split('\n').map((l) => l.replace(/[ \t\r]+$/, '')).join('\n').replace(/\n+$/, '');
}

/** Similarity in [0,1]: 2·LCS(lines)/(a+b), on normalised lines. */
export function similarity(a: string, b: string): number {
  const x = normalise(a).split('\n');
  const y = normalise(b).split('\n');
  if (!x.length && !y.length) return 1;
  const prev = new Array<number>(y.length + 1).fill(0);
  for (let i = 1; i <= x.length; i++) {
    let diag = 0;
    for (let j = 1; j <= y.length; j++) {
      const tmp = prev[j];
      prev[j] = x[i - 1] === y[j - 1] ? diag + 1 : Math.max(prev[j], prev[j - 1]);
      diag = tmp;
    }
  }
  return (2 * prev[y.length]) / (x.length + y.length);
}
