// Pinned SSH host keys: a changed key waits in host_key_pending until an operator accepts it
// (CLI `netkeep device accept-key`, API POST /devices/{id}/host-key/accept); fingerprints are the
// ones ssh-keygen shows, so an operator can compare them with the device's console.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptHostKey, createDevice, fingerprint, forgetHostKey, hostKeys } from '../../src/inventory/devices.ts';
import { InputError } from '../../src/errors.ts';
import { backends, freshDb, type TestDb } from '../helpers/db.ts';

function newKey(): { line: string; fp: string } {
  const dir = mkdtempSync(join(tmpdir(), 'netkeep-hk-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
  const pub = readFileSync(join(dir, 'k.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')]).toString().split(' ')[1]!;
  return { line: pub, fp };
}

describe.each(backends())('host keys on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('computes the same fingerprint as ssh-keygen', () => {
    const k = newKey();
    expect(fingerprint(k.line)).toBe(k.fp);
  });

  it('accepts a changed key once, keeps history of what was pinned, and can forget the pin', async () => {
    const d = await createDevice(t.db, { name: 'edge-hk', address: '192.0.2.50', driver: 'ios' });
    const old = newKey();
    const changed = newKey();
    await expect(acceptHostKey(t.db, d.id)).rejects.toMatchObject({ code: 'no_pending_host_key', status: 409 });
    // what the backup runner does when the device presents a different key
    await t.db.updateTable('devices').set({ host_key: old.line, host_key_pending: changed.line }).where('id', '=', d.id).execute();
    const before = await hostKeys(t.db, 'edge-hk');
    expect(before).toMatchObject({ pinned_fingerprint: old.fp, pending_fingerprint: changed.fp });
    const r = await acceptHostKey(t.db, 'edge-hk');
    expect(r).toMatchObject({ previous: old.line, accepted: changed.line });
    expect(r.device).toMatchObject({ has_host_key: true, host_key_pending: false });
    expect(await hostKeys(t.db, d.id)).toMatchObject({ pinned: changed.line, pending: null });
    const again = await acceptHostKey(t.db, d.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(InputError);
    expect((again as InputError).message).toMatch(/pinned key is still valid/);
    expect((await forgetHostKey(t.db, d.id)).has_host_key).toBe(false);
  });
});
