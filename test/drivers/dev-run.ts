// Developer tool: replay recordings and print the result table.
// node test/drivers/dev-run.ts [filter] [--diff]
import { listCases, replay, normalise, similarity } from './harness.ts';
import { writeFileSync } from 'node:fs';

const filter = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : '';
const showDiff = process.argv.includes('--diff');
for (const c of listCases()) {
  if (filter && !c.name.startsWith(filter)) continue;
  try {
    const { result } = await replay(c);
    const exp = c.expected();
    const exact = result.config === exp;
    const norm = normalise(result.config) === normalise(exp);
    console.log(`${c.name.padEnd(48)} ${exact ? 'EXACT' : norm ? 'NORM ' : 'DIFF '} ${similarity(result.config, exp).toFixed(4)}`);
    if (!exact && showDiff) {
      writeFileSync('/tmp/nk-actual.txt', result.config, 'latin1');
      writeFileSync('/tmp/nk-expected.txt', exp, 'latin1');
      const { execSync } = await import('node:child_process');
      try { execSync('diff /tmp/nk-expected.txt /tmp/nk-actual.txt | head -40', { stdio: 'inherit' }); } catch {}
    }
  } catch (e) {
    console.log(`${c.name.padEnd(48)} ERROR ${(e as Error).message}`);
  }
}
