// significant_changes.yaml: replay with output_store_mode on_significant, apply the
// driver's significant-change filter; `pass` regexes must survive, `fail` must be gone.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { listCases, REC_DIR, replay } from './harness.ts';
import { rb } from '../../src/drivers/helpers.ts';
import { significantText } from '../../src/session/index.ts';
import { getDriver } from '../../src/drivers/index.ts';

const files = readdirSync(REC_DIR).filter((f) => f.endsWith('#significant_changes.yaml')).sort();
const cases = listCases();

describe('significant_changes.yaml', () => {
  it('covers the 5 files', () => expect(files.length).toBe(5));
  for (const f of files) {
    const name = f.split('#').slice(0, 2).join('#');
    it(name, async () => {
      const spec = parse(readFileSync(join(REC_DIR, f), 'utf8')) as { pass?: string[]; fail?: string[] };
      const c = cases.find((x) => x.name === name)!;
      const { result } = await replay(c, { significantOnly: true });
      const sig = significantText(getDriver(c.model), result.config);
      for (const p of spec.pass ?? []) expect(rb(String(p)).test(sig), `pass ${p}`).toBe(true);
      for (const p of spec.fail ?? []) expect(rb(String(p)).test(sig), `fail ${p}`).toBe(false);
      // the fail patterns are in the full backup: the filter is what removed them
      for (const p of spec.fail ?? []) expect(rb(String(p)).test(result.config), `present before filtering: ${p}`).toBe(true);
    });
  }
});
