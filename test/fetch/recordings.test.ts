// Every recording that has a driver, served by the simulator's SSH server (one port per
// device, like a real device) and fetched through fetchConfig over real SSH, must give
// Oxidized's expected output byte for byte. One recording also over Telnet.
// (The engine's in-memory replay of the same recordings is tested in test/drivers/.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchConfig } from '../../src/backup/fetch.ts';
import { findDriver } from '../../src/drivers/index.ts';
import { SimSshServer, generateHostKey } from '../../src/sim/server-ssh.ts';
import { SimTelnetServer } from '../../src/sim/server-telnet.ts';
import { RecordingDevice, loadRecording } from '../../src/sim/recording.ts';
import { listCases } from '../drivers/harness.ts';
import type { Case } from '../drivers/harness.ts';

// apcaos needs SCP besides the CLI (a later issue); every other recording with a driver runs.
const cases = listCases().filter((c) => findDriver(c.model) && c.model !== 'apcaos');

let ssh: SimSshServer;
const clientKey = generateHostKey('ed25519');
const ports = new Map<string, number>();
const devices = new Map<string, RecordingDevice>();

beforeAll(async () => {
  ssh = new SimSshServer({ mode: 'port' });
  for (const c of cases) {
    const dev = new RecordingDevice(loadRecording(c.simFile), { execMode: c.execMode });
    devices.set(c.name, dev);
    ports.set(c.name, await ssh.addDevice(dev));
  }
});
afterAll(async () => {
  await ssh?.close();
});

function fetchOver(c: Case, protocol: 'ssh' | 'telnet', port: number) {
  return fetchConfig({
    host: '127.0.0.1',
    port,
    protocol,
    driver: c.model,
    // Oxidized replays with no password (drivers that reuse it, e.g. eatonnetwork's
    // `save_configuration -p `, depend on that): log in with a key; the recorded devices
    // accept any. Telnet needs a password for its login dialogue.
    credentials: { username: 'netkeep', ...(protocol === 'ssh' ? { privateKey: clientKey.privateKey } : { password: 'netkeep' }), ...c.credentials },
    vars: c.vars,
    hostKey: { pinned: ssh.hostKeyOf() },
    timeouts: { connectMs: 5000, idleMs: 3000, sessionMs: 20_000 },
  });
}

describe('recordings over real SSH', () => {
  it('covers the recordings that have a driver', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });
  for (const c of cases) {
    it(`${c.name}${c.custom ? ' (custom)' : ''}`, async () => {
      const r = await fetchOver(c, 'ssh', ports.get(c.name)!);
      expect(r.config).toBe(c.expected());
      // the device really answered over the wire (shell: one session; exec: one per command)
      const answered = devices.get(c.name)!.sessions.reduce((n, s) => n + s.answered.length, 0);
      expect(answered).toBeGreaterThanOrEqual(1);
    });
  }
});

describe('a recording over Telnet', () => {
  let telnet: SimTelnetServer;
  const c = cases.find((x) => x.name === 'ios#C9200L-24P-4G_17.09.04a')!;
  let port = 0;
  beforeAll(async () => {
    telnet = new SimTelnetServer({ mode: 'port' });
    port = await telnet.addDevice(new RecordingDevice(loadRecording(c.simFile)));
  });
  afterAll(async () => {
    await telnet?.close();
  });
  it(`${c.name} over telnet`, async () => {
    const r = await fetchOver(c, 'telnet', port);
    expect(r.config).toBe(c.expected());
  });
});
