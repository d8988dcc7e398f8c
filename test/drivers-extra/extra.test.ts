// Every extra driver against its synthetic recording(s): the session engine runs the driver
// over the in-memory channel against a RecordingSession, and the backup must equal the
// hand-written expected output byte for byte; every recorded key must be sent, every declared
// fact found, and planted secrets masked when asked. Plus prompt tests per driver.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extraDrivers } from '../../src/drivers/extra/index.ts';
import type { Driver } from '../../src/drivers/types.ts';
import { MemoryConnection, runSession } from '../../src/session/index.ts';
import { loadRecording, RecordingDevice } from '../../src/sim/recording.ts';
import { PROMPTS } from './prompts.ts';

const DIR = join(import.meta.dirname, '../fixtures/synthetic');
const byId = new Map(extraDrivers.map((d) => [d.id, d]));
// synthetic/ also holds sessions of core drivers (test/drivers-prompt-only); take the extra drivers' own
const sims = readdirSync(DIR)
  .filter((f) => f.endsWith('#simulation.yaml') && byId.has(f.split('#')[0]!))
  .sort();
const CREDENTIALS = { username: 'netkeep', password: 'synthetic-pass' };
/** Recordings that need more than the default credentials (an enable password). */
const EXTRA_CREDENTIALS: Record<string, { enablePassword: string }> = {
  'powerconnect#PC6248_3.3.18.1': { enablePassword: 'synthetic-enable' },
};

/** Secret-looking values planted in the synthetic configurations (hashes, keys, communities). */
const SECRET_MARKERS = /notarealhash|notarealcipher|0000synthetic0000|AAAAsyntheticAAAA|synthetic-community|nSYNTHETIC/;

async function backup(driver: Driver, file: string, maskSecrets = false) {
  const rec = loadRecording(join(DIR, file));
  const device = new RecordingDevice(rec, { execMode: driver.mode === 'exec' });
  const conn = new MemoryConnection(device);
  const credentials = { ...CREDENTIALS, ...EXTRA_CREDENTIALS[rec.name] };
  const result = await runSession(conn, { driver, credentials, maskSecrets, timeouts: { idleMs: 1500, sessionMs: 20_000 } });
  return { result, session: device.sessions[0], device };
}

describe('extra drivers: registry data', () => {
  it('has at least 35 drivers with unique ids and aliases', () => {
    expect(extraDrivers.length).toBeGreaterThanOrEqual(35);
    const names = extraDrivers.flatMap((d) => [d.id, ...(d.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('every driver has at least one synthetic recording and every recording a driver', () => {
    const models = new Set(sims.map((f) => f.split('#')[0]));
    for (const d of extraDrivers) expect(models.has(d.id), `no recording for ${d.id}`).toBe(true);
    for (const m of models) expect(byId.has(m), `no driver for recording model ${m}`).toBe(true);
  });

  it('every driver has prompt cases', () => {
    for (const d of extraDrivers) expect(PROMPTS[d.id], `no prompt cases for ${d.id}`).toBeDefined();
  });
});

describe('extra drivers: synthetic recordings', () => {
  for (const file of sims) {
    const name = file.replace(/#simulation\.yaml$/, '');
    const model = name.split('#')[0];
    it(name, async () => {
      const driver = byId.get(model);
      expect(driver, `driver ${model}`).toBeDefined();
      const expectedPath = join(DIR, `${name}#output.txt`);
      expect(existsSync(expectedPath), `${name}#output.txt`).toBe(true);
      const { result, session } = await backup(driver!, file);
      expect(result.config).toBe(readFileSync(expectedPath, 'latin1'));
      // every declared fact was found in its command's output
      for (const f of driver!.facts ?? []) expect(result.facts[f.fact], `fact ${f.fact} from "${f.command}"`).toBeTruthy();
      // the driver sent every recorded key (nothing recorded is left unused)
      const rec = session.recording;
      if (rec.form === 'list') expect(session.remaining).toBe(0);
      else for (const e of rec.entries) expect(session.answered, `key ${JSON.stringify(e.key)} never sent`).toContain(e.key);
    });
  }
});

describe('extra drivers: secret masking', () => {
  for (const file of sims) {
    const name = file.replace(/#simulation\.yaml$/, '');
    const expected = readFileSync(join(DIR, `${name}#output.txt`), 'latin1');
    if (!SECRET_MARKERS.test(expected)) continue;
    it(`${name} hides its secrets when the policy asks`, async () => {
      const driver = byId.get(name.split('#')[0])!;
      const { result } = await backup(driver, file, true);
      const left = result.config.split('\n').filter((l) => SECRET_MARKERS.test(l));
      expect(left).toEqual([]);
      // masking only rewrites secret values: the rest of the backup is still there
      expect(result.config.length).toBeGreaterThan(expected.length / 2);
    });
  }
});

describe('extra drivers: prompts', () => {
  for (const d of extraDrivers) {
    it(d.id, () => {
      const cases = PROMPTS[d.id];
      expect(cases).toBeDefined();
      expect(cases.pass.length).toBeGreaterThan(0);
      expect(cases.fail.length).toBeGreaterThan(0);
      for (const p of cases.pass) expect(d.prompt.test(p), `should match ${JSON.stringify(p)}`).toBe(true);
      for (const p of cases.fail) expect(d.prompt.test(p), `should not match ${JSON.stringify(p)}`).toBe(false);
    });
  }
});
