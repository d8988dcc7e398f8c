// prompt.yaml: `pass` strings must match the driver's prompt as the engine tests it (the
// last line of the buffer), `fail` must not, `pass_with_expect` must match after the
// driver's expect handlers rewrote the text.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REC_DIR } from './harness.ts';
import { getDriver } from '../../src/drivers/index.ts';
import { promptMatches, applyExpectRewrites } from '../../src/session/engine.ts';

const files = readdirSync(REC_DIR).filter((f) => f.endsWith('#prompt.yaml')).sort();

describe('prompt.yaml', () => {
  it('covers the 21 prompt files', () => expect(files.length).toBe(21));
  for (const f of files) {
    const model = f.split('#')[0];
    it(model, () => {
      const spec = parse(readFileSync(join(REC_DIR, f), 'utf8')) as { pass?: string[]; fail?: string[]; pass_with_expect?: string[] };
      const d = getDriver(model);
      expect(d.id).toBe(model);
      for (const p of spec.pass ?? []) expect(promptMatches(d, p), `pass ${JSON.stringify(p)}`).toBe(true);
      for (const p of spec.fail ?? []) expect(promptMatches(d, p), `fail ${JSON.stringify(p)}`).toBe(false);
      for (const p of spec.pass_with_expect ?? []) {
        expect(promptMatches(d, applyExpectRewrites(d, p)), `pass_with_expect ${JSON.stringify(p)}`).toBe(true);
      }
    });
  }
});
