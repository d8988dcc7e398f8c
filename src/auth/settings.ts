// Server-wide settings an admin can change, each with its type and default.
import type { Db } from '../db/index.ts';
import { jsonb } from '../db/index.ts';
import { InputError } from '../errors.ts';
import { inTx } from '../inventory/common.ts';

export interface Settings {
  /** Viewers may download stored configs (they may contain secrets the device did not mask). */
  viewer_can_download: boolean;
  /** Lifetime of a browser session, in hours (1–720). */
  session_ttl_hours: number;
}

export const DEFAULT_SETTINGS: Settings = { viewer_can_download: true, session_ttl_hours: 12 };

const VALIDATORS: { [K in keyof Settings]: (v: unknown) => Settings[K] } = {
  viewer_can_download: (v) => {
    if (typeof v !== 'boolean') throw new InputError('invalid_setting', 'viewer_can_download is true or false; give a boolean', 400);
    return v;
  },
  session_ttl_hours: (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 720) {
      throw new InputError('invalid_setting', 'session_ttl_hours is a whole number of hours from 1 to 720; give one in that range', 400);
    }
    return v;
  },
};

export async function getSettings(db: Db): Promise<Settings> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute();
  const out: Settings = { ...DEFAULT_SETTINGS };
  for (const r of rows) {
    const k = r.key as keyof Settings;
    if (!(k in VALIDATORS)) continue;
    try {
      (out as unknown as Record<string, unknown>)[k] = VALIDATORS[k](r.value);
    } catch {
      // a value written by a newer or older netkeep that this one does not accept: keep the default
    }
  }
  return out;
}

export async function updateSettings(db: Db, patch: Record<string, unknown>): Promise<Settings> {
  const entries = Object.entries(patch);
  for (const [k] of entries) {
    if (!(k in VALIDATORS)) {
      throw new InputError('unknown_setting', `there is no setting "${k}"; the settings are ${Object.keys(VALIDATORS).join(', ')}`, 400);
    }
  }
  const values = entries.map(([k, v]) => [k, VALIDATORS[k as keyof Settings](v)] as const);
  await inTx(db, async (trx) => {
    for (const [k, v] of values) {
      await trx
        .insertInto('settings')
        .values({ key: k, value: jsonb(v), updated_at: new Date() })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: jsonb(v), updated_at: new Date() }))
        .execute();
    }
  });
  return getSettings(db);
}
