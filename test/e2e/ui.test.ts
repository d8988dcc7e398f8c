// The web UI in a real browser (Debian's Chromium via playwright-core) against a real
// `netkeep serve` and a simulated fleet: log in, add a device, back it up, see it in the history,
// diff two versions, dry-run a restore and confirm it, a viewer cannot restore, the dashboard
// numbers match the API, search across devices, blame, a compliance rule in the report, and the
// settings for system backups, inventory sources and notification channels. Every page is screenshotted to test-artifacts/screenshots/, and any
// console error or uncaught exception in the browser fails the run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { freePort } from '../setup/postgres.ts';
import { chromiumMissing, collectErrors, ensureUiBuilt, eventually, launchChromium, shot, startServe, type ExpectedHttpError, type ServeProc } from './helpers.ts';

const ADMIN_PASSWORD = 'amber-falcon-harbor-91';
const VIEWER_PASSWORD = 'quiet-meadow-lantern-47';
const skip = chromiumMissing();
const nav = (p: Page, name: string) => p.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name, exact: true }).click();

describe.skipIf(skip)('web UI end to end', { timeout: 120_000 }, () => {
  let fleet: Fleet;
  let serve: ServeProc;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  const errors: string[][] = [];
  const provoked: ExpectedHttpError[] = [];
  let deviceId = '';

  const url = (p: string) => `${serve.base}${p}`;
  const api = async (p: string, init: { method?: string; data?: unknown } = {}) => {
    const r = await page.request.fetch(url(`/api/v1${p}`), { method: init.method ?? 'GET', ...(init.data !== undefined ? { data: init.data } : {}) });
    return { status: r.status(), body: r.headers()['content-type']?.includes('json') ? await r.json() : await r.text() };
  };

  beforeAll(async () => {
    ensureUiBuilt();
    fleet = await startFleet({ count: 2, configLines: 200, changeShare: 1 }); // 200 lines: a config with interface descriptions, which advance() changes
    serve = await startServe(ADMIN_PASSWORD);
    browser = await launchChromium();
    admin = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: serve.base });
    errors.push(collectErrors(admin, provoked));
    admin.setDefaultTimeout(15_000);
    page = await admin.newPage();
  }, 180_000);

  afterEach(async (t) => {
    // a failed step leaves a picture of where it stood
    if (t.task.result?.state === 'fail' && page) await shot(page, `failed-${t.task.name.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => {});
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await fleet?.close();
  });

  it('serves the UI at / with a fallback for client routes, and keeps /api answers', async () => {
    const root = await fetch(url('/'));
    expect(root.status).toBe(200);
    const html = await root.text();
    expect(html).toContain('<div id="root">');
    const script = /src="(\/assets\/index-[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(url(script), { headers: { 'accept-encoding': 'gzip' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(root.headers.get('content-security-policy')).toContain("script-src 'self'");
    const deep = await fetch(url('/devices/anything'));
    expect(deep.status).toBe(200);
    const api404 = await fetch(url('/api/v1/no-such-thing'));
    expect(api404.status).toBe(404);
    expect(api404.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(url('/assets/missing-0000.js'))).status).toBe(404);
  });

  it('logs in (a wrong password is refused with a clear message)', async () => {
    await page.goto('/');
    await page.getByLabel(/^Username/).waitFor();
    await shot(page, '01-login');
    await page.getByLabel(/^Username/).fill('admin');
    provoked.push({ path: '/api/v1/auth/login', status: 401 });
    await page.getByLabel(/^Password/).fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await eventually(async () => expect(await page.getByRole('alert').innerText()).toContain('wrong username or password'), 10_000);
    await shot(page, '02-login-error');
    await page.getByLabel(/^Password/).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByText('No devices yet').waitFor();
    await shot(page, '03-dashboard-empty');
  });

  it('adds a device through the form', async () => {
    const info = fleet.info[0]!;
    const prof = await api('/credential-profiles', { method: 'POST', data: { name: 'lab-backup', username: info.username, password: info.password } });
    expect(prof.status).toBe(201);
    await nav(page, 'Devices');
    await page.getByText('No devices yet').waitFor();
    await shot(page, '04-devices-empty');
    await page.getByRole('button', { name: 'Add device' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('edge1');
    await dialog.getByLabel('Address', { exact: false }).first().fill('127.0.0.1');
    await dialog.getByRole('combobox', { name: 'Driver' }).fill('ios');
    await page.getByRole('option', { name: /^ios —/ }).click();
    await dialog.getByRole('textbox', { name: 'Port' }).fill(String(fleet.ssh!.port));
    await dialog.getByRole('combobox', { name: 'Credential profile' }).click();
    await page.getByRole('option', { name: /lab-backup/ }).click();
    await shot(page, '05-device-add-form', { viewport: true });
    await dialog.getByRole('button', { name: 'Add device' }).click();
    await page.getByRole('heading', { name: 'edge1' }).waitFor();
    deviceId = page.url().split('/').pop()!;
    const d = await api(`/devices/${deviceId}`);
    expect(d.body).toMatchObject({ name: 'edge1', address: '127.0.0.1', driver: 'ios', port: fleet.ssh!.port, credential_profile: 'lab-backup' });
    await page.getByText('No versions yet').waitFor();
  });

  it('backs it up with live progress and shows the version in the history', async () => {
    // the page follows the device's event stream; the steps of the job come from it
    await eventually(async () => expect((await page.getByTestId('live-updates').innerText()).toLowerCase()).toBe('live'));
    await page.getByRole('button', { name: 'Back up now' }).click();
    await eventually(async () => expect(await page.getByTestId('backup-result').innerText()).toContain('Backup finished'), 45_000);
    const steps = await page.getByTestId('backup-steps').innerText();
    // polling alone would only add "done": started, connecting and storing come from the stream
    for (const step of ['queued', 'started', 'connecting', 'storing', 'done']) expect(steps).toContain(step);
    const rows = page.locator('tr[data-version]');
    await eventually(async () => expect(await rows.count()).toBe(1), 10_000);
    const h = await api(`/backups/devices/${deviceId}/history`);
    expect(h.body.items).toHaveLength(1);
    expect(h.body.items[0].status).toBe('success');
    await eventually(async () => expect(await rows.first().innerText()).toContain(h.body.items[0].checksum.slice(0, 12)));
    await shot(page, '06-device-one-version');
  });

  it('backs up a changed config and diffs the two versions, side by side and inline', async () => {
    expect(fleet.advance()).toContain(fleet.info[0]!.name);
    await page.getByRole('button', { name: 'Back up now' }).click();
    await eventually(async () => expect(await page.getByTestId('backup-result').innerText()).toContain('a new version was stored'), 45_000);
    await eventually(async () => expect(await page.locator('tr[data-version]').count()).toBe(2), 10_000);
    await shot(page, '07-device-versions');
    const h = await api(`/backups/devices/${deviceId}/history`);
    const [newer, older] = h.body.items;
    const diff = await api(`/backups/diff?from=${older.id}&to=${newer.id}&hide_volatile=true`);
    expect(diff.body.identical).toBe(false);
    const added = (diff.body.hunks as { lines: string[] }[]).flatMap((x) => x.lines).find((l) => l.startsWith('+') && l.trim().length > 2)!.slice(1);

    await page.getByRole('tab', { name: 'Diff' }).click();
    const region = page.getByRole('region', { name: 'Differences between the two versions' });
    await eventually(async () => expect(await region.innerText()).toContain(added.trim()));
    await page.getByText(`+${diff.body.added}`, { exact: true }).waitFor({ state: 'visible' });
    await shot(page, '08-diff-side-by-side');
    await page.getByText('Inline', { exact: true }).click();
    await eventually(async () => expect(await region.locator('tr', { hasText: added.trim() }).first().innerText()).toContain('+'));
    await shot(page, '09-diff-inline');

    await page.getByRole('tab', { name: 'View' }).click();
    const text = page.getByLabel('Configuration of edge1');
    await eventually(async () => expect(await text.innerText()).toContain('hostname'));
    await shot(page, '10-version-view');
  });

  it('dry-runs a restore of the older version, then confirms it', async () => {
    const h = await api(`/backups/devices/${deviceId}/history`);
    const older = h.body.items[1];
    await page.getByRole('tab', { name: 'Versions' }).click();
    await page.locator(`tr[data-version="${older.id}"]`).getByRole('button', { name: /^Restore/ }).click();
    await page.getByRole('button', { name: 'Dry run' }).click();
    const dry = page.getByTestId('restore-dry-run');
    await dry.waitFor({ state: 'visible', timeout: 45_000 });
    await dry.getByRole('region', { name: 'What the restore would change' }).waitFor({ state: 'visible' });
    await shot(page, '11-restore-dry-run');
    await dry.getByRole('button', { name: /^Restore to edge1/ }).click();
    const confirm = page.getByRole('dialog', { name: 'Restore edge1?' });
    const go = confirm.getByRole('button', { name: 'Restore now' });
    expect(await go.isDisabled()).toBe(true);
    await confirm.getByLabel('Device name').fill('edge1');
    await shot(page, '12-restore-confirm', { viewport: true });
    await go.click();
    await eventually(async () => expect(await page.getByTestId('restore-result').innerText()).toContain('Restored'), 60_000);
    await shot(page, '13-restore-done');
    const restores = await api(`/restores?device_id=${deviceId}`);
    expect(restores.status).toBe(200);
    expect(restores.body.items.some((r: { status: string }) => r.status === 'success')).toBe(true);
  });

  it('a viewer sees no restore or backup controls, and the API refuses the restore', async () => {
    const u = await api('/users', { method: 'POST', data: { username: 'vera', password: VIEWER_PASSWORD, role: 'viewer' } });
    expect(u.status).toBe(201);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: serve.base });
    errors.push(collectErrors(ctx, provoked));
    const vp = await ctx.newPage();
    await vp.goto('/');
    await vp.getByLabel(/^Username/).fill('vera');
    await vp.getByLabel(/^Password/).fill(VIEWER_PASSWORD);
    await vp.getByRole('button', { name: 'Log in' }).click();
    await vp.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await vp.goto(`/devices/${deviceId}`);
    await vp.getByRole('heading', { name: 'edge1' }).waitFor();
    const versions = (await api(`/backups/devices/${deviceId}/history`)).body.items.length;
    expect(versions).toBeGreaterThanOrEqual(2);
    await eventually(async () => expect(await vp.locator('tr[data-version]').count()).toBe(versions));
    await eventually(async () => expect(await vp.getByRole('tab', { name: 'Restore' }).count()).toBe(0));
    await eventually(async () => expect(await vp.getByRole('button', { name: /^Restore/ }).count()).toBe(0));
    await eventually(async () => expect(await vp.getByRole('button', { name: 'Back up now' }).count()).toBe(0));
    await eventually(async () => expect(await vp.getByRole('button', { name: 'Edit' }).count()).toBe(0));
    await shot(vp, '14-viewer-device');
    const h = await api(`/backups/devices/${deviceId}/history`);
    const refused = await vp.request.post(`/api/v1/backups/history/${h.body.items[1].id}/restore`, { data: { execute: false } });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).code).toBe('forbidden');
    await vp.goto('/devices');
    await vp.getByRole('link', { name: 'edge1' }).waitFor();
    await eventually(async () => expect(await vp.getByRole('button', { name: 'Add device' }).count()).toBe(0));
    // compliance: a viewer reads, but adds and evaluates nothing
    await vp.goto('/compliance');
    await vp.getByText('An operator or admin adds them.').waitFor();
    expect(await vp.getByRole('button', { name: 'Add rule' }).count()).toBe(0);
    expect(await vp.getByRole('button', { name: 'Evaluate now' }).count()).toBe(0);
    await ctx.close();
  });

  it('shows dashboard numbers that match the API', async () => {
    await nav(page, 'Dashboard');
    await page.getByTestId('stat-devices').waitFor();
    const s = (await api('/stats/dashboard')).body;
    expect(s.devices_total).toBe(1);
    expect(s.backed_up_24h).toBe(1);
    expect(s.changes_today).toBeGreaterThanOrEqual(1); // at least the changed version
    await eventually(async () => expect((await page.getByTestId('stat-devices').innerText()).trim()).toBe(String(s.devices_total)));
    await eventually(async () => expect((await page.getByTestId('stat-backed-up').innerText()).trim()).toBe(String(s.backed_up_24h)));
    await eventually(async () => expect((await page.getByTestId('stat-changes-today').innerText()).trim()).toBe(String(s.changes_today)));
    await eventually(async () => expect((await page.getByTestId('stat-failing').innerText()).trim()).toBe(String(s.devices_failing)));
    const rate = s.success_rate_24h === null ? '—' : `${(Math.floor(s.success_rate_24h * 1000) / 10).toFixed(1)} %`;
    await eventually(async () => expect((await page.getByTestId('stat-success-rate').innerText()).trim()).toBe(rate));
    await page.locator('.recharts-surface').first().waitFor();
    await shot(page, '15-dashboard');
  });

  it('renders every other page without errors', async () => {
    await nav(page, 'Devices');
    await page.getByRole('link', { name: 'edge1' }).waitFor();
    await shot(page, '16-devices');
    // bulk action: back up the selected devices
    await page.getByRole('checkbox', { name: 'Select edge1' }).check();
    await page.getByRole('toolbar', { name: 'Bulk actions' }).getByRole('button', { name: 'Back up now' }).click();
    await eventually(async () => expect(await page.getByRole('status').filter({ hasText: 'Back up now' }).innerText()).toContain('done for 1 device'));
    // search with no match: the empty state says so
    await page.getByRole('searchbox', { name: 'Search' }).fill('no-such-device-zzz');
    await page.getByText('No device matches').waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByRole('link', { name: 'edge1' }).waitFor();
    await page.getByRole('button', { name: 'Import…' }).click();
    await page.getByRole('dialog').getByRole('textbox', { name: 'CSV' }).fill('name,address,driver\nbad one,not an address!,nosuchdriver\n');
    provoked.push({ path: '/api/v1/devices/import', status: 400 });
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
    await page.getByRole('table', { name: 'Problems per line' }).waitFor({ state: 'visible' });
    await shot(page, '17-import-preview-errors', { viewport: true });
    // an Oxidized router.db: a bad line is named by its line number, nothing is saved until it is fixed
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Oxidized router.db').click();
    await dialog.getByRole('textbox', { name: 'router.db' }).fill('# lab routers\nbranch7:192.0.2.70:ios:branches\nbroken-line\n');
    await dialog.getByRole('button', { name: 'Check (dry run)' }).click();
    await eventually(async () => expect(await dialog.getByRole('table', { name: 'Problems per line' }).innerText()).toMatch(/^3\s+expected name:ip:model:group/m));
    expect(await dialog.getByRole('button', { name: 'Import', exact: true }).isDisabled()).toBe(true);
    await dialog.getByRole('textbox', { name: 'router.db' }).fill('# lab routers\nbranch7:192.0.2.70:ios:branches\n');
    await dialog.getByRole('button', { name: 'Check (dry run)' }).click();
    await eventually(async () => expect(await dialog.innerText()).toContain('Importing will create 1'));
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await eventually(async () => expect(await page.getByRole('table', { name: 'Devices' }).innerText()).toContain('branch7'));
    expect((await api('/devices/branch7')).body).toMatchObject({ address: '192.0.2.70', driver: 'ios', group: 'branches' });
    // a schedule is read in words, with its next runs, while it is typed
    await nav(page, 'Backup configurations');
    await page.getByRole('table', { name: 'Backup configurations' }).waitFor();
    await page.getByRole('button', { name: /^Edit the running-config configuration of edge1/ }).click();
    const form = page.getByRole('dialog');
    await form.getByRole('textbox', { name: 'Schedule' }).fill('30 2 * * *');
    await eventually(async () => expect(await form.innerText()).toContain('Runs at 02:30 every day'));
    await shot(page, '18-config-edit-schedule', { viewport: true });
    await form.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => expect(await page.getByRole('table', { name: 'Backup configurations' }).innerText()).toContain('at 02:30 every day'));
    await shot(page, '19-configs');
    const cfg = (await api('/backups/configs')).body.items[0];
    expect(cfg.schedule_cron).toBe('30 2 * * *');

    for (const [link, name, ready] of [
      ['Reports', '21-reports', () => page.getByRole('table', { name: 'Devices never backed up' }).getByRole('link', { name: 'branch7' })],
      ['Settings', '22-settings', () => page.getByRole('table', { name: 'Users' })],
      ['Dashboard', '23-dashboard-scheduled', () => page.getByRole('table', { name: 'Next scheduled runs' })],
    ] as const) {
      await nav(page, link);
      await ready().waitFor();
      await shot(page, name);
    }
    // the live stream shows a backup as it runs
    await nav(page, 'Activity');
    await page.getByText('connected', { exact: true }).waitFor();
    expect((await api(`/backups/devices/${deviceId}/backup`, { method: 'POST', data: {} })).status).toBe(202);
    await eventually(async () => expect(await page.getByRole('table', { name: 'Live events, newest first' }).innerText()).toMatch(/job\.finished\s+edge1\s+success/i), 45_000);
    await shot(page, '20-activity-live');
    await page.getByRole('tab', { name: 'Jobs' }).click();
    await page.getByRole('table', { name: 'Backup jobs, newest first' }).waitFor();
    await shot(page, '24-activity-jobs');
    await page.getByRole('tab', { name: 'Audit log' }).click();
    await eventually(async () => expect(await page.getByRole('table', { name: 'Audit log, newest first' }).innerText()).toContain('backup.restore'));
    await shot(page, '25-activity-audit');
    await nav(page, 'Settings');
    await page.getByRole('tab', { name: 'Credential profiles' }).click();
    await page.getByRole('table', { name: 'Credential profiles' }).waitFor();
    await shot(page, '26-settings-profiles');
    // an error state says what went wrong
    provoked.push({ path: '/api/v1/devices/no-such-device', status: 404 });
    await page.goto('/devices/no-such-device');
    await eventually(async () => expect(await page.getByRole('alert').innerText()).toContain('Could not load this device'));
    expect(await page.getByRole('alert').innerText()).toContain('device_not_found');
    await shot(page, '27-error-state');
  });

  it('searches a line across devices, shows the blame, and reports a compliance rule a device violates', async () => {
    // a second backed-up device of the same fleet, through the API: the search spans both
    const info = fleet.info[1]!;
    expect((await api('/credential-profiles', { method: 'POST', data: { name: 'lab-backup-2', username: info.username, password: info.password } })).status).toBe(201);
    const dev = await api('/devices', { method: 'POST', data: { name: 'edge2', address: '127.0.0.1', driver: 'ios', port: fleet.ssh!.port, credential_profile: 'lab-backup-2' } });
    expect(dev.status).toBe(201);
    expect((await api(`/backups/devices/${dev.body.id}/backup`, { method: 'POST', data: {} })).status).toBe(202);
    await eventually(async () => expect((await api(`/backups/devices/${dev.body.id}/history`)).body.items.filter((v: { status: string }) => v.status === 'success')).toHaveLength(1), 45_000);

    await nav(page, 'Search');
    await page.getByRole('heading', { name: 'Search' }).waitFor();
    const box = page.getByRole('textbox', { name: 'Text or pattern' });
    await box.fill('ip ssh version 2');
    await box.press('Enter');
    const results = page.getByRole('region', { name: 'Search results' });
    await eventually(async () => expect(await page.getByTestId('search-summary').innerText()).toMatch(/^2 of 2 devices match/));
    for (const name of ['edge1', 'edge2']) {
      const lines = results.getByRole('table', { name: `Matching lines of ${name}` });
      // the matching line with its line number, highlighted, and context around it
      const hit = lines.locator('tr', { has: page.locator('mark') });
      expect(await hit.count()).toBe(1);
      expect(await hit.locator('mark').innerText()).toBe('ip ssh version 2');
      const no = Number(await hit.getAttribute('data-line'));
      expect(no).toBeGreaterThan(1);
      expect(await lines.locator(`tr[data-line="${no - 1}"]`).count()).toBe(1);
    }
    await shot(page, '28-search-results');
    // an invalid regular expression: the server's explanation under the field
    await page.getByRole('checkbox', { name: 'Regular expression' }).check();
    await box.fill('interface (Gig');
    provoked.push({ path: '/api/v1/search', status: 400 });
    await box.press('Enter');
    await eventually(async () => expect(await box.getAttribute('aria-invalid')).toBe('true'));
    // the server's explanation, tied to the field for screen readers
    const described = (await box.getAttribute('aria-describedby'))!.split(' ');
    const texts = await Promise.all(described.map((id) => page.locator(`[id="${id}"]`).innerText().catch(() => '')));
    expect(texts.join(' ')).toContain('is not a valid regular expression');
    await shot(page, '29-search-invalid-regex');

    // blame: each line of edge1's config with the version it first appeared in
    await page.goto(`/devices/${deviceId}`);
    await page.getByRole('tab', { name: 'Blame' }).click();
    const blame = page.getByRole('table', { name: 'Blame of edge1' });
    await eventually(async () => expect(await blame.innerText()).toContain('hostname'));
    const b = (await api(`/backups/devices/${deviceId}/blame`)).body;
    expect(await blame.locator('tbody tr').count()).toBe(b.lines.length);
    await shot(page, '30-device-blame');

    // a rule every simulated device violates (telnet allowed on the vty lines), added through the form
    await nav(page, 'Compliance');
    await page.getByText('No compliance rules yet').waitFor();
    await page.getByRole('button', { name: 'Add rule' }).click();
    const form = page.getByRole('dialog', { name: 'Add a compliance rule' });
    await form.getByRole('textbox', { name: 'Name' }).fill('no telnet on vty');
    await form.getByText('must not contain', { exact: true }).click();
    await form.getByRole('textbox', { name: 'Pattern' }).fill(' transport input ssh telnet');
    await shot(page, '31-compliance-rule-form', { viewport: true });
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('table', { name: 'Compliance rules' }).getByText('no telnet on vty').waitFor();
    await page.getByRole('button', { name: 'Evaluate now' }).click();
    await eventually(async () => expect(await page.getByRole('status').filter({ hasText: 'Evaluated 1 rule' }).innerText()).toContain('not compliant'), 30_000);
    const report = (await api('/compliance/report')).body;
    expect(report.summary.non_compliant).toBeGreaterThanOrEqual(2);
    const rows = page.getByRole('table', { name: 'Compliance per device' });
    await eventually(async () => expect(await rows.locator('tr', { hasText: 'edge1' }).innerText()).toMatch(/not compliant[\s\S]*no telnet on vty/i));
    await eventually(async () => expect((await page.getByTestId('compliance-summary').innerText()).toLowerCase()).toContain(`${report.summary.non_compliant} not compliant`));
    await shot(page, '32-compliance');
    // the device's compliance on its page
    await rows.getByRole('link', { name: 'edge1' }).click();
    await page.getByRole('tab', { name: 'Compliance' }).click();
    await eventually(async () => expect(await page.getByRole('table', { name: 'Compliance per rule' }).innerText()).toMatch(/no telnet on vty\s+not compliant/i));
    await page.getByRole('table', { name: 'Compliance changes, newest first' }).waitFor();
    await shot(page, '33-device-compliance');
  });

  it('settings: backs netkeep itself up, previews an inventory source, adds a syslog channel and reads its deliveries', async () => {
    await nav(page, 'Settings');
    // a system backup, polled until its archive is written
    await page.getByRole('tab', { name: 'System backup' }).click();
    await page.getByText('No system backup yet').waitFor();
    await page.getByRole('button', { name: 'Back up netkeep now' }).click();
    const archives = page.getByRole('table', { name: 'System backups, newest first' });
    await eventually(async () => expect(await archives.locator('tbody tr').first().innerText()).toMatch(/success/i), 60_000);
    const sys = (await api('/system/backups')).body.items;
    expect(sys).toHaveLength(1);
    expect(sys[0].status).toBe('success');
    await page.getByRole('status').filter({ hasText: `${sys[0].file_name} written` }).waitFor(); // the page polled until the archive was done
    expect(await archives.getByRole('link', { name: `Download ${sys[0].file_name}` }).getAttribute('href')).toBe(`/api/v1/system/backups/${sys[0].id}/download`);
    await shot(page, '34-settings-system-backup');

    // an Oxidized router.db with a bad line: the preview names the line, nothing is saved
    const dir = mkdtempSync(join(tmpdir(), 'netkeep-e2e-source-'));
    try {
      const file = join(dir, 'router.db');
      writeFileSync(file, 'core1:192.0.2.11:ios:core\nbroken-line\n');
      const src = await api('/sources', { method: 'POST', data: { name: 'oxidized-lab', kind: 'oxidized', config: { path: file, map: { name: 0, ip: 1, model: 2, group: 3 } } } });
      expect(src.status).toBe(201);
      await page.getByRole('tab', { name: 'Inventory sources' }).click();
      await page.getByRole('table', { name: 'Inventory sources' }).getByText('oxidized-lab').waitFor();
      await page.getByRole('button', { name: 'Sync oxidized-lab' }).click();
      const sync = page.getByRole('dialog', { name: 'Sync oxidized-lab' });
      await sync.getByRole('button', { name: 'Preview (dry run)' }).click();
      await eventually(async () => expect(await sync.getByRole('table', { name: 'Problems per line' }).innerText()).toMatch(/^2\s+/m));
      expect(await sync.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(true);
      await shot(page, '35-settings-source-preview', { viewport: true });
      await page.keyboard.press('Escape');
      expect((await api('/devices/core1')).status).toBe(404);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // a syslog channel through the form; its test lands in the delivery log
    await page.getByRole('tab', { name: 'Notifications' }).click();
    await page.getByRole('button', { name: 'Add channel' }).click();
    const form = page.getByRole('dialog', { name: 'Add a notification channel' });
    await form.getByRole('textbox', { name: 'Name' }).fill('noc-syslog');
    await form.getByRole('combobox', { name: 'Kind' }).click();
    await page.getByRole('option', { name: 'Syslog (RFC 5424)' }).click();
    await form.getByRole('textbox', { name: 'Syslog server' }).fill('127.0.0.1');
    await form.getByRole('textbox', { name: 'Port' }).fill(String(await freePort()));
    await shot(page, '36-notification-syslog-form', { viewport: true });
    await form.getByRole('button', { name: 'Add channel' }).click();
    await page.getByRole('table', { name: 'Notification channels' }).getByText('noc-syslog').waitFor();
    await page.getByRole('button', { name: 'Send a test to noc-syslog' }).click();
    await page.getByText('Test sent to noc-syslog.').waitFor();
    await page.getByRole('button', { name: 'Deliveries of noc-syslog' }).click();
    const log = page.getByRole('table', { name: 'Deliveries of noc-syslog, newest first' });
    await eventually(async () => expect(await log.innerText()).toMatch(/sent/i));
    await shot(page, '37-notification-deliveries', { viewport: true });
    await page.keyboard.press('Escape');
  });

  it('is keyboard navigable: a skip link first, then the navigation', async () => {
    await page.goto('/devices');
    await page.getByRole('link', { name: 'edge1' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.locator(':focus').getAttribute('id')).toBe('main');
    // sortable column headers are buttons reachable by keyboard and announce their order
    const nameHeader = page.getByRole('columnheader', { name: /^Name/ });
    expect(await nameHeader.getAttribute('aria-sort')).toBe('ascending');
    await nameHeader.getByRole('button').focus();
    await page.keyboard.press('Enter');
    await eventually(async () => expect(await nameHeader.getAttribute('aria-sort')).toBe('descending'));
  });

  it('logged no console errors in any page', () => {
    expect(errors.flat()).toEqual([]);
  });
});
