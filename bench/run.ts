// `npm run bench [-- NAME [ARGS...]]`: runs one benchmark (bench/NAME.ts with ARGS), or lists
// them. Every bench/*.ts other than this file is a benchmark; each says its options in its header.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const dir = new URL('./', import.meta.url);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();
const [name, ...args] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h') {
  process.stdout.write('Usage: npm run bench -- NAME [options]   (options: see the header of bench/NAME.ts)\n\nBenchmarks:\n');
  for (const n of names) {
    const usage = /^\/\/\s+(node bench\/\S+\.ts.*)$/m.exec(readFileSync(new URL(`${n}.ts`, dir), 'utf8'))?.[1] ?? '';
    process.stdout.write(`  ${n.padEnd(8)} ${usage}\n`);
  }
  process.exit(name ? 0 : 2);
}
if (!names.includes(name)) {
  process.stderr.write(`bench: no benchmark "${name}"; there are: ${names.join(', ')}\n`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [new URL(`${name}.ts`, dir).pathname, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
