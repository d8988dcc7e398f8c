// The seven drivers that Oxidized's developer set covers with prompt tests only (aos7, asyncos,
// fastiron, firewareos, linuxgeneric, mtrlrfs, siklu), each replayed through the real session
// engine over the in-memory channel against a synthetic recording (test/fixtures/synthetic/,
// written from vendor documentation). The backup must equal the hand-written expected output byte
// for byte, and the driver must send every recorded key.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDriver } from '../../src/drivers/index.ts';
import type { Driver } from '../../src/drivers/types.ts';
import { MemoryConnection, runSession } from '../../src/session/index.ts';
import { loadRecording, RecordingDevice } from '../../src/sim/recording.ts';

const DIR = join(import.meta.dirname, '../fixtures/synthetic');
const MODELS = ['aos7', 'asyncos', 'fastiron', 'firewareos', 'linuxgeneric', 'mtrlrfs', 'siklu'];
const CREDENTIALS = { username: 'netkeep', password: 'synthetic-pass' };

const sims = readdirSync(DIR)
  .filter((f) => f.endsWith('#simulation.yaml') && MODELS.includes(f.split('#')[0]))
  .sort();

async function backup(driver: Driver, file: string, maskSecrets = false) {
  const rec = loadRecording(join(DIR, file));
  const device = new RecordingDevice(rec, { execMode: driver.mode === 'exec' });
  const conn = new MemoryConnection(device);
  const result = await runSession(conn, { driver, credentials: CREDENTIALS, maskSecrets, timeouts: { idleMs: 1500, sessionMs: 20_000 } });
  return { result, session: device.sessions[0] };
}

describe('prompt-only drivers: synthetic sessions', () => {
  it('every one of the seven drivers has a synthetic recording', () => {
    const have = new Set(sims.map((f) => f.split('#')[0]));
    for (const m of MODELS) expect(have.has(m), `no synthetic recording for ${m}`).toBe(true);
  });

  for (const file of sims) {
    const name = file.replace(/#simulation\.yaml$/, '');
    const model = name.split('#')[0];
    it(name, async () => {
      const driver = getDriver(model);
      expect(driver.id).toBe(model);
      const expectedPath = join(DIR, `${name}#output.txt`);
      expect(existsSync(expectedPath), `${name}#output.txt`).toBe(true);
      const { result, session } = await backup(driver, file);
      expect(result.config).toBe(readFileSync(expectedPath, 'latin1'));
      const rec = session.recording;
      if (rec.form === 'list') expect(session.remaining).toBe(0);
      else for (const e of rec.entries) expect(session.answered, `key ${JSON.stringify(e.key)} never sent`).toContain(e.key);
    });
  }
});

describe('prompt-only drivers: details the sessions pin down', () => {
  it('asyncos answers the passphrase menu and keeps the menu out of the backup', async () => {
    const file = sims.find((f) => f.startsWith('asyncos#'))!;
    const { result, session } = await backup(getDriver('asyncos'), file);
    expect(session.answered).toContain('3\n');
    expect(result.config).not.toMatch(/passphrase|\[1\]>/);
    expect(result.config).toContain('<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE');
  });

  it('asyncos also answers the yes/no passphrase question of older releases', () => {
    const d = getDriver('asyncos');
    const q = 'showconfig\r\n\r\nDo you want to include passwords? Please be aware that a configuration without passwords will fail when reloaded with loadconfig. [N]> ';
    const h = d.expect!.find((x) => x.pattern.test(q));
    expect(h?.send).toBe('Y\n');
  });

  it('firewareos accepts the logon disclaimer during login', async () => {
    const file = sims.find((f) => f.startsWith('firewareos#'))!;
    const { session } = await backup(getDriver('firewareos'), file);
    expect(session.answered[0]).toBe('yes\n');
  });

  it('linuxgeneric masks only the password field of passwd/group lines', async () => {
    const file = sims.find((f) => f.startsWith('linuxgeneric#'))!;
    const { result } = await backup(getDriver('linuxgeneric'), file, true);
    expect(result.config).toContain('root:<secret hidden>:0:0:root:/root:/bin/bash\n');
    expect(result.config).toContain('sudo:<secret hidden>:27:netkeep\n');
    // other colon-separated lines are left alone
    expect(result.config).toContain('2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP>');
    expect(result.config).toContain('2001:db8:10::/64 dev eth0');
    expect(result.config).toContain('ff02::1 ip6-allnodes\n');
    expect(result.config).toContain('nameserver 2001:db8::53\n');
  });
});
