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
    'junos#srx300_22.4': { model: 'srx300' },
    'fortigate#FortiGate-91G_7.4.7': {},
  };
  for (const [name, want] of Object.entries(facts)) {
    it(name, async () => {
      const c = cases.find((x) => x.name === name)!;
      const { result } = await replay(c);
      expect(result.facts).toMatchObject(want);
    });
  }
});
