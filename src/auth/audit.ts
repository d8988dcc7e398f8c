// The audit log: who did what to which target, when, from where, with what result.
import type { Db } from '../db/index.ts';
import { jsonb } from '../db/index.ts';
import type { AuditEntry } from '../db/schema.ts';
import { page } from '../inventory/common.ts';

export type AuditResult = 'ok' | 'denied' | 'error' | 'failed';

export interface AuditInput {
  userId?: string | null;
  username?: string | null;
  sourceIp?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  result: AuditResult;
  details?: Record<string, unknown>;
}

export async function audit(db: Db, e: AuditInput): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      user_id: e.userId ?? null,
      username: e.username?.slice(0, 64) ?? null,
      source_ip: e.sourceIp?.slice(0, 64) ?? null,
      action: e.action.slice(0, 64),
      target_type: e.targetType?.slice(0, 64) ?? null,
      target_id: e.targetId ?? null,
      result: e.result,
      details: jsonb(e.details ?? {}),
    })
    .execute();
}

export interface AuditFilters {
  limit?: number;
  offset?: number;
  action?: string;
  username?: string;
  userId?: string;
  result?: AuditResult;
  targetType?: string;
  targetId?: string;
  since?: Date;
  until?: Date;
}

/** Newest first. `action` matches exactly, or as a prefix when it ends with "." (e.g. "device."). */
export async function listAudit(db: Db, f: AuditFilters = {}): Promise<{ items: AuditEntry[]; total: number; limit: number; offset: number }> {
  const { limit, offset } = page(f);
  let q = db.selectFrom('audit_log');
  if (f.action) q = f.action.endsWith('.') ? q.where('action', 'like', `${f.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : q.where('action', '=', f.action);
  if (f.username) q = q.where('username', '=', f.username);
  if (f.userId) q = q.where('user_id', '=', f.userId);
  if (f.result) q = q.where('result', '=', f.result);
  if (f.targetType) q = q.where('target_type', '=', f.targetType);
  if (f.targetId) q = q.where('target_id', '=', f.targetId);
  if (f.since) q = q.where('at', '>=', f.since);
  if (f.until) q = q.where('at', '<', f.until);
  const [items, count] = await Promise.all([
    q.selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.n), limit, offset };
}
