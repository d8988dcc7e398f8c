// Shared set-up for backup, worker and fault tests: a simulated fleet registered as netkeep
// devices (one credential profile per device: the fleet picks the device by username).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonb, type Db } from '../../src/db/index.ts';
import { loadKeyring, type Keyring } from '../../src/security/masterkey.ts';
import { encryptSecret } from '../../src/security/secrets.ts';
import type { Fleet } from '../../src/sim/index.ts';

const dirs: string[] = [];
export function tempDir(prefix = 'netkeep-backup-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A fixed master key, so that several processes on one database read each other's secrets. */
export const TEST_MASTER_KEY = 'a'.repeat(64);
export function testKeyring(dataDir: string): Keyring {
  return loadKeyring(dataDir, { NETKEEP_MASTER_KEY: TEST_MASTER_KEY });
}

export interface SeedOptions {
  group?: string;
  groupOptions?: Record<string, unknown>;
  zone?: string | null;
  site?: string | null;
  driver?: string;
  /** Only these fleet devices (default all). */
  names?: string[];
  /** Pin the fleet's host key (default: trust on first use). */
  pin?: boolean;
  options?: Record<string, unknown>;
}

/** Register fleet devices; returns name → device id. */
export async function seedFleet(db: Db, keyring: Keyring, fleet: Fleet, o: SeedOptions = {}): Promise<Map<string, string>> {
  let groupId: string | null = null;
  if (o.group) {
    const g = await db.selectFrom('device_groups').select('id').where('name', '=', o.group).executeTakeFirst();
    groupId = g
      ? g.id
      : (await db.insertInto('device_groups').values({ name: o.group, options: jsonb(o.groupOptions ?? {}), updated_at: new Date() }).returning('id').executeTakeFirstOrThrow()).id;
  }
  const infos = o.names ? o.names.map((n) => fleet.infoOf(n)) : fleet.info;
  const pw = encryptSecret(keyring, infos[0]?.password ?? 'netkeep');
  const ids = new Map<string, string>();
  for (let i = 0; i < infos.length; i += 1000) {
    const chunk = infos.slice(i, i + 1000);
    const profiles = await db
      .insertInto('credential_profiles')
      .values(chunk.map((d) => ({ name: `cp-${d.name}`, username: d.username, password_enc: pw, enable_password_enc: null, private_key_enc: null, passphrase_enc: null, updated_at: new Date() })))
      .returning(['id', 'name'])
      .execute();
    const pid = new Map(profiles.map((p) => [p.name, p.id]));
    const rows = await db
      .insertInto('devices')
      .values(
        chunk.map((d) => ({
          name: d.name,
          address: d.host,
          port: d.sshPort ?? null,
          driver: o.driver ?? 'ios',
          protocol: 'ssh',
          group_id: groupId,
          site: o.site ?? null,
          tags: jsonb([]),
          options: jsonb(o.options ?? {}),
          credential_profile_id: pid.get(`cp-${d.name}`)!,
          zone: o.zone ?? null,
          host_key: o.pin ? d.pinnedHostKey : null,
          host_key_pending: null,
          last_status: null,
          last_error: null,
          last_error_class: null,
          updated_at: new Date(),
        })),
      )
      .returning(['id', 'name'])
      .execute();
    for (const r of rows) ids.set(r.name, r.id);
  }
  return ids;
}
