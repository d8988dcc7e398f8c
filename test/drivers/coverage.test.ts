// Every registered driver must be exercised against a simulated session: at least one recording
// (Oxidized's developer set in test/fixtures/recordings, or a synthetic one in
// test/fixtures/synthetic) must name the driver's id or one of its aliases as its model (the part
// of the file name before the first "#"). A new driver without a session test fails here.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDrivers } from '../../src/drivers/index.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const DIRS = ['recordings', 'synthetic'];
/** The simulator's own driver, if registered: it is tested with the simulator, not by recordings. */
const EXEMPT = new Set(['synthetic-ios']);

function recordedModels(): Set<string> {
  const models = new Set<string>();
  for (const dir of DIRS) {
    // recursive: a recording kept in a subfolder counts too
    for (const rel of readdirSync(join(FIXTURES, dir), { recursive: true, encoding: 'utf8' })) {
      const f = basename(rel);
      if (/simulation\.yaml$/.test(f)) models.add(f.split('#')[0].toLowerCase());
    }
  }
  return models;
}

describe('driver coverage by recorded sessions', () => {
  const models = recordedModels();
  const drivers = listDrivers().filter((d) => !EXEMPT.has(d.id));

  it('finds the registry and the recordings', () => {
    expect(drivers.length).toBeGreaterThan(60);
    expect(models.size).toBeGreaterThan(60);
  });

  it('every driver has at least one simulation recording (by id or alias)', () => {
    const missing = drivers.filter((d) => ![d.id, ...d.aliases].some((n) => models.has(n.toLowerCase()))).map((d) => d.id);
    expect(missing, `drivers without a recorded or synthetic session: ${missing.join(', ')}`).toEqual([]);
  });
});
