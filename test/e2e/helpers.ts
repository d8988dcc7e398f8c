// e2e plumbing: build the UI when it is missing, run a real `netkeep serve` child on a fresh data
// directory, and launch Debian's Chromium through playwright-core with console errors collected.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { freePort } from '../setup/postgres.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CHROMIUM = process.env.NETKEEP_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'screenshots');
export const MASTER_KEY = 'b'.repeat(64);

/** Chromium present, or (outside CI only) a reason to skip. In CI a missing browser fails the run. */
export function chromiumMissing(): string | null {
  if (existsSync(CHROMIUM)) return null;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: install the Debian package "chromium" (.ci/run does)`);
  return `${CHROMIUM} is missing (apt-get install chromium)`;
}

/** Build web/dist when it is missing or older than web/src (as npm install / npm start would). */
export function ensureUiBuilt(): void {
  const r = spawnSync(process.execPath, [join(ROOT, 'web', 'build.ts'), '--if-stale'], { stdio: 'pipe', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the web UI failed:\n${r.stderr}${r.stdout}`);
}

export interface ServeProc {
  base: string;
  child: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

/** A real `netkeep serve` on 127.0.0.1 with its own data directory (embedded PGlite). */
export async function startServe(adminPassword: string): Promise<ServeProc> {
  const dataDir = mkdtempSync(join(tmpdir(), 'netkeep-e2e-'));
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'netkeep.js'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: '', NETKEEP_ADMIN_PASSWORD: adminPassword, NETKEEP_MASTER_KEY: MASTER_KEY, NETKEEP_BLOB_STORE: '', NETKEEP_GIT_MIRROR: '' },
  });
  let log = '';
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`netkeep serve did not start in 90 s:\n${log}`)), 90_000);
    const check = () => {
      if (/listening on http/.test(log)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`netkeep serve exited with ${code}:\n${log}`));
    });
  });
  return {
    base: `http://127.0.0.1:${port}`,
    child,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** HTTP errors a step provokes on purpose (a wrong password, a CSV with bad lines): Chromium logs them as console errors. */
export interface ExpectedHttpError {
  path: string;
  status: number;
}

/** Console errors and uncaught exceptions of every page of a context; `expected` lists provoked HTTP errors. */
export function collectErrors(ctx: BrowserContext, expected: ExpectedHttpError[]): string[] {
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() !== 'error') return;
      const url = m.location().url ?? '';
      const http = /^Failed to load resource: the server responded with a status of (\d+)/.exec(m.text());
      if (http) {
        const path = new URL(url).pathname;
        if (expected.some((e) => e.path === path && String(e.status) === http[1])) return;
      }
      errors.push(`${m.text()} (${url})`);
    });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  };
  ctx.pages().forEach(watch);
  ctx.on('page', watch);
  return errors;
}

/**
 * A screenshot of the whole page; `viewport` for open dialogs (a full-page shot redraws fixed overlays mid-page).
 * CSS transitions are fast-forwarded to their end: a button leaving its loading state slides its label
 * back in over 150 ms, and a picture taken mid-way shows it clipped.
 */
export async function shot(page: Page, name: string, o: { viewport?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: !o.viewport, animations: 'disabled' });
}

/** Retry an assertion until it passes (the page updates asynchronously); rethrow its last failure after `ms`. */
export async function eventually(check: () => Promise<void> | void, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
