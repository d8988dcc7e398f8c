// secret.yaml: replay with secret masking on; `pass` regexes must match, `fail` must not.
// The entries are Ruby regexes, ported with rb().

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { listCases, REC_DIR, replay } from './harness.ts';
import { rb } from '../../src/drivers/helpers.ts';
import { applySecretMasking } from '../../src/session/index.ts';
import { getDriver } from '../../src/drivers/index.ts';

const files = readdirSync(REC_DIR).filter((f) => f.endsWith('#secret.yaml')).sort();
const cases = listCases();

describe('secret.yaml with masking on', () => {
  it('covers the 14 secret files', () => expect(files.length).toBe(14));
  for (const f of files) {
    const name = f.split('#').slice(0, 2).join('#');
    it(name, async () => {
      const spec = parse(readFileSync(join(REC_DIR, f), 'utf8')) as { pass?: string[]; fail?: string[] };
      const c = cases.find((x) => x.name === name)!;
      const { result } = await replay(c, { maskSecrets: true });
      for (const p of spec.pass ?? []) expect(rb(String(p)).test(result.config), `pass ${p}`).toBe(true);
      for (const p of spec.fail ?? []) expect(rb(String(p)).test(result.config), `fail ${p}`).toBe(false);
      // without masking, the output differs wherever a secret was (the rules really fire)
      const plain = await replay(c);
      if ((spec.fail ?? []).some((p) => rb(String(p)).test(plain.result.config))) {
        expect(result.config).not.toBe(plain.result.config);
      }
    });
  }

  it('applySecretMasking masks a whole text with the same rules', () => {
    const ios = getDriver('ios');
    const text = 'username admin privilege 15 secret 9 $9$abc\nsnmp-server community PUBLIC RO\n';
    expect(applySecretMasking(ios, text)).toBe('username admin privilege 15 secret 9 <secret hidden>\nsnmp-server community <configuration removed>\n');
  });
});
