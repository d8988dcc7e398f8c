// Shared set-up for the store tests: temporary data directories, keyrings and devices.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { jsonb, type Db } from '../../src/db/index.ts';
import { loadKeyring, type Keyring } from '../../src/security/masterkey.ts';

const dirs: string[] = [];

export function tempDir(prefix = 'netkeep-store-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A keyring for a data directory; with `key`, that key (hex) is current (as NETKEEP_MASTER_KEY). */
export function keyringFor(dataDir: string, key?: Buffer): Keyring {
  return loadKeyring(dataDir, key ? { NETKEEP_MASTER_KEY: key.toString('hex') } : {});
}

export const randomKey = () => randomBytes(32);

export async function addDevice(db: Db, name: string, o: { driver?: string; group?: string; protocol?: string } = {}): Promise<string> {
  let groupId: string | null = null;
  if (o.group) {
    const g = await db.selectFrom('device_groups').select('id').where('name', '=', o.group).executeTakeFirst();
    groupId = g
      ? g.id
      : (await db.insertInto('device_groups').values({ name: o.group, options: jsonb({}), updated_at: new Date() }).returning('id').executeTakeFirstOrThrow()).id;
  }
  const r = await db
    .insertInto('devices')
    .values({
      name,
      address: '192.0.2.1',
      driver: o.driver ?? 'ios',
      protocol: o.protocol ?? 'ssh',
      group_id: groupId,
      tags: jsonb([]),
      options: jsonb({}),
      updated_at: new Date(),
      port: null,
      site: null,
      credential_profile_id: null,
      zone: null,
      host_key: null,
      host_key_pending: null,
      last_status: null,
      last_error: null,
      last_error_class: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** A plausible ~n-line IOS-like config; `variant` changes a few lines. */
export function sampleConfig(n = 300, variant = 0, host = 'r1'): string {
  const lines = ['!', `hostname ${host}`, '!'];
  for (let i = 0; lines.length < n; i++) {
    lines.push(`interface GigabitEthernet0/${i}`, ` description link ${i} to ${host}-peer${i % 7}`, ` ip address 10.${i % 250}.${(i * 7) % 250}.1 255.255.255.0`, ' no shutdown', '!');
  }
  lines.length = n;
  if (variant) lines.splice(5, 0, `snmp-server location rack-${variant}`);
  return lines.join('\n') + '\n';
}
