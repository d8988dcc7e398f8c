// Inventory sources through the HTTP API on both back-ends: create, preview, sync, refused bad
// lines with their numbers, a removed device orphaned (visible on the device), runs, roles.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../helpers/db.ts';
import { body, expectProblem, startServer, type TestServer } from '../../api/helpers.ts';
import { startNetbox, type NetboxServer } from './netbox-server.ts';

const V1 = '/api/v1';
const TOKEN = 'fedcba9876543210fedcba9876543210fedcba98';

describe.each(backends())('inventory sources API on %s', (backend) => {
  let s: TestServer;
  let nb: NetboxServer;
  let dir: string;
  beforeAll(async () => {
    s = await startServer(backend);
    nb = await startNetbox(TOKEN);
    dir = mkdtempSync(join(tmpdir(), 'invsrc-api-'));
  });
  afterAll(async () => {
    await nb?.close();
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a RANCID source, previews, syncs, refuses bad lines, orphans a removed device, logs runs', async () => {
    const path = join(dir, 'router.db');
    writeFileSync(path, 'api-r1;cisco;up\napi-r2;arista;up\n');
    const c = await s.as('admin', { method: 'POST', url: `${V1}/sources`, payload: { name: 'rancid-api', kind: 'rancid', config: { path }, schedule_cron: 'daily' } });
    expect(c.statusCode, c.body).toBe(201);
    expect(body(c)).toMatchObject({ name: 'rancid-api', kind: 'rancid', schedule_cron: '@daily', has_token: false, device_count: 0 });

    // operators and viewers may read but not sync
    expect((await s.as('viewer', { method: 'GET', url: `${V1}/sources/rancid-api` })).statusCode).toBe(200);
    expectProblem(await s.as('operator', { method: 'POST', url: `${V1}/sources/rancid-api/sync`, payload: {} }), 403, 'forbidden');

    const dry = await s.as('admin', { method: 'POST', url: `${V1}/sources/rancid-api/sync`, payload: { dry_run: true } });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(body(dry)).toMatchObject({ status: 'ok', dry_run: true, created: 2, changes: [{ action: 'create', device: 'api-r1', line: 1 }, { action: 'create', device: 'api-r2', line: 2 }] });
    expect(body((await s.as('admin', { method: 'GET', url: `${V1}/devices?q=api-r` }))).total).toBe(0);

    const real = await s.as('admin', { method: 'POST', url: `${V1}/sources/rancid-api/sync`, payload: {} });
    expect(body(real)).toMatchObject({ status: 'ok', created: 2 });
    expect(body(await s.as('viewer', { method: 'GET', url: `${V1}/devices/api-r2` }))).toMatchObject({ driver: 'eos', source: 'rancid', orphaned_at: null });

    // bad lines sent as content (instead of the file): refused, by line, nothing saved
    const bad = await s.as('admin', { method: 'POST', url: `${V1}/sources/rancid-api/sync`, payload: { content: 'api-r1;cisco;up\napi-r3;wat;up\napi-r4;cisco;maybe\n' } });
    expect(bad.statusCode).toBe(200);
    expect(body(bad)).toMatchObject({
      status: 'refused',
      created: 0,
      errors: [
        { line: 2, message: expect.stringMatching(/RANCID type "wat" has no netkeep driver/) },
        { line: 3, message: expect.stringMatching(/state "maybe"/) },
      ],
    });
    expect((await s.as('admin', { method: 'GET', url: `${V1}/devices/api-r3` })).statusCode).toBe(404);

    // api-r2 removed: orphaned, still there
    writeFileSync(path, 'api-r1;cisco;up\n');
    expect(body(await s.as('admin', { method: 'POST', url: `${V1}/sources/rancid-api/sync`, payload: {} }))).toMatchObject({ status: 'ok', orphaned: 1, changes: [{ action: 'orphan', device: 'api-r2' }] });
    const r2 = body(await s.as('viewer', { method: 'GET', url: `${V1}/devices/api-r2` }));
    expect(r2.orphaned_at).toEqual(expect.any(String));
    expect(body(await s.as('viewer', { method: 'GET', url: `${V1}/sources/rancid-api` }))).toMatchObject({ device_count: 2, orphaned_count: 1, last_status: 'ok' });

    const runs = body(await s.as('viewer', { method: 'GET', url: `${V1}/sources/rancid-api/runs` }));
    expect(runs.total).toBe(4);
    expect(runs.items.map((r: { status: string; dry_run: boolean; trigger: string }) => [r.status, r.dry_run, r.trigger])).toEqual([
      ['ok', false, 'api'], ['refused', false, 'api'], ['ok', false, 'api'], ['ok', true, 'api'],
    ]);
    expect(runs.items[1].errors).toHaveLength(2);

    // audit rows for the sync attempts (with the outcome)
    const audits = await s.t.db.selectFrom('audit_log').select(['action', 'result', 'details']).where('action', '=', 'source.sync').execute();
    expect(audits.filter((a) => a.result === 'ok')).toHaveLength(4);
  });

  it('keeps the NetBox token write-only and checks settings with clear errors', async () => {
    nb.state = 'initial';
    const c = await s.as('admin', { method: 'POST', url: `${V1}/sources`, payload: { name: 'nb-api', kind: 'netbox', token: TOKEN, config: { url: nb.url, page_size: 3, tls: { ca: nb.ca } } } });
    expect(c.statusCode, c.body).toBe(201);
    expect(c.body).not.toContain(TOKEN);
    expect(body(c).has_token).toBe(true);
    const sync = await s.as('admin', { method: 'POST', url: `${V1}/sources/nb-api/sync`, payload: { dry_run: true } });
    expect(body(sync)).toMatchObject({ status: 'ok', created: 4, skipped: [{ name: 'fra-pdu-1' }, { name: 'lab-old-1' }] });
    expect(sync.body).not.toContain(TOKEN);
    const audit = await s.t.db.selectFrom('audit_log').select('details').execute();
    expect(JSON.stringify(audit)).not.toContain(TOKEN);

    expectProblem(await s.as('admin', { method: 'POST', url: `${V1}/sources/nb-api/sync`, payload: { content: 'x' } }), 400, 'invalid_request');
    const badCfg = expectProblem(await s.as('admin', { method: 'POST', url: `${V1}/sources`, payload: { name: 'nb-bad', kind: 'netbox', config: { url: nb.url, platform_map: { x: 'nope' } } } }), 400, 'invalid_source_config');
    expect(badCfg.detail).toMatch(/platform_map: "x" maps to "nope", which is no netkeep driver/);
    expectProblem(await s.as('admin', { method: 'POST', url: `${V1}/sources`, payload: { name: 'nb-api', kind: 'netbox', config: { url: nb.url } } }), 409, 'source_name_taken');
    expectProblem(await s.as('admin', { method: 'POST', url: `${V1}/sources`, payload: { name: 'x', kind: 'librenms', config: {} } }), 400, 'invalid_request');
    expectProblem(await s.as('admin', { method: 'POST', url: `${V1}/sources/nope/sync`, payload: {} }), 404, 'source_not_found');

    const del = await s.as('admin', { method: 'DELETE', url: `${V1}/sources/nb-api` });
    expect(del.statusCode).toBe(204);
  });
});
