// Every recording (standard and custom) replayed through the real engine, the real
// RecordingSession and the in-memory transport; the backup must equal Oxidized's byte for byte.

import { describe, expect, it } from 'vitest';
import { listCases, replay } from './harness.ts';

const cases = listCases();

describe('recordings: byte-exact Oxidized-compatible backups', () => {
  it('finds all 36 recordings (32 standard, 4 custom)', () => {
    expect(cases.length).toBe(36);
    expect(cases.filter((c) => c.custom).length).toBe(4);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const { result, device, recording } = await replay(c);
      expect(result.config).toBe(c.expected());
      // the replay really talked to the recording: at least one session answered keys
      const answered = device.sessions.reduce((n, s) => n + s.answered.length, 0);
      expect(answered).toBeGreaterThan(0);
      if (recording.form === 'list') {
        // every item up to the logout was consumed, in order
        const s = device.sessions[0];
        const keys = recording.entries.map((e) => e.key);
        expect(s.answered).toEqual(keys.slice(0, s.answered.length));
      }
    });
  }
});

describe('facts', () => {
  const facts: Record<string, Record<string, string>> = {
    'ios#C9200L-24P-4G_17.09.04a': { model: 'C9200L-24P-4G', serial: 'JAE24FFFFFF', osVersion: '17.9.4a' },
    'junos#srx300_22.4': { model: 'srx300', osVersion: '22.4R3-S2.11', serial: 'AA0000AA0000' },
    'fortigate#FortiGate-91G_7.4.7': { model: 'FortiGate-91G', serial: 'FGT91GTK00000000' },
    'eos#DCS-7050SX3-48YC8_4.29.2F': { model: 'DCS-7050SX3-48YC8', serial: 'SSJ00000000', osVersion: '4.29.2F' },
    'aosw#Aruba7210_8.10.0.7': { model: 'Aruba7210', osVersion: '8.10.0.7', serial: 'CV0010001' },
    'asa#5512_9.12-4-67_single-context': { model: 'ASA5512', osVersion: '9.12(4)67', serial: 'FCH17AAAAAA' },
    'nxos#C93180YC-FX3J_10.4.5': { osVersion: '10.4(5)', serial: 'FDO20000000' },
    'routeros#CHR_7.10.1': { model: 'CHR', osVersion: '7.10.1' },
    'vyos#Supermicro_1.4.3': { osVersion: '1.4.3' },
    'aoscx#R0X25A-6410_FL.10.10.1100': { osVersion: 'FL.10.10.1100', serial: 'SG0AAA0000' },
  };
  for (const [name, want] of Object.entries(facts)) {
    it(name, async () => {
      const c = cases.find((x) => x.name === name)!;
      const { result } = await replay(c);
      expect(result.facts).toMatchObject(want);
    });
  }
});
