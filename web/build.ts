// Builds the web UI into web/dist with Vite (npm install, npm start, npm run build:web).
// --if-stale: only when web/dist is missing or older than a file of web/src (npm start).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dirname;
const index = join(root, 'dist', 'index.html');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function stale(): boolean {
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return [join(root, 'src'), join(root, 'public')].some((d) => existsSync(d) && newest(d) > built) || statSync(join(root, 'index.html')).mtimeMs > built;
}

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);
let vite: typeof import('vite');
try {
  vite = await import('vite');
} catch {
  process.stderr.write('netkeep: cannot build the web UI: Vite is not installed (run "npm install" with dev dependencies); the API works without it\n');
  process.exit(process.argv.includes('--if-stale') ? 0 : 1);
}
process.stderr.write('netkeep: building the web UI (web/dist)…\n');
await vite.build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
