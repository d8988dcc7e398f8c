// Scheduled source syncs, run from the scheduler's tick (src/schedule/scheduler.ts) with the same
// scheme as backups: inventory_sources.next_run_at is the state, a due slot is claimed with a
// compare-and-set UPDATE (one process wins on a shared PostgreSQL), runs missed while netkeep was
// down run once, an edited schedule is re-planned from now, a disabled source is not run.
import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import type { Keyring } from '../../security/masterkey.ts';
import { nextRun } from '../../schedule/cron.ts';
import { syncSource, type SyncReport } from './sync.ts';

const spec = (cron: string, tz: string) => `${cron} ${tz}`;

export async function runDueSourceSyncs(
  ctx: { db: Db; keyring: Keyring },
  opts: { now?: Date; log?: (msg: string) => void } = {},
): Promise<{ planned: number; ran: SyncReport[] }> {
  const db = ctx.db;
  const now = opts.now ?? new Date();
  const log = opts.log ?? ((m: string) => process.stderr.write(`netkeep scheduler: ${m}\n`));
  const out = { planned: 0, ran: [] as SyncReport[] };
  await db
    .updateTable('inventory_sources')
    .set({ next_run_at: null, next_run_spec: null })
    .where('next_run_at', 'is not', null)
    .where((eb) => eb.or([eb('enabled', '=', false), eb('schedule_cron', 'is', null)]))
    .execute();
  const unplanned = await db
    .selectFrom('inventory_sources')
    .select(['id', 'name', 'schedule_cron', 'schedule_timezone', 'next_run_at'])
    .where('enabled', '=', true)
    .where('schedule_cron', 'is not', null)
    .where((eb) => eb.or([eb('next_run_at', 'is', null), eb('next_run_spec', 'is', null), eb('next_run_spec', '!=', sql<string>`schedule_cron || ' ' || schedule_timezone`)]))
    .execute();
  for (const s of unplanned) {
    let next: Date | null;
    try {
      next = nextRun(s.schedule_cron!, s.schedule_timezone, now);
    } catch (err) {
      log(`inventory source "${s.name}" has a schedule that cannot be read (${(err as Error).message}); fix it with netkeep source update`);
      continue;
    }
    let q = db.updateTable('inventory_sources').set({ next_run_at: next, next_run_spec: spec(s.schedule_cron!, s.schedule_timezone) }).where('id', '=', s.id);
    q = s.next_run_at === null ? q.where('next_run_at', 'is', null) : q.where('next_run_at', '=', s.next_run_at);
    if (Number((await q.executeTakeFirst()).numUpdatedRows) > 0) out.planned++;
  }
  const due = await db
    .selectFrom('inventory_sources')
    .select(['id', 'name', 'schedule_cron', 'schedule_timezone', 'next_run_at'])
    .where('enabled', '=', true)
    .where('next_run_at', '<=', now)
    .where('next_run_spec', '=', sql<string>`schedule_cron || ' ' || schedule_timezone`)
    .orderBy('next_run_at')
    .execute();
  for (const s of due) {
    const next = nextRun(s.schedule_cron!, s.schedule_timezone, now);
    const claimed = await db.updateTable('inventory_sources').set({ next_run_at: next }).where('id', '=', s.id).where('next_run_at', '=', s.next_run_at!).returning('id').executeTakeFirst();
    if (!claimed) continue;
    try {
      const r = await syncSource(ctx, s.id, { trigger: 'schedule', now });
      if (r.status !== 'ok') log(`scheduled sync of inventory source "${s.name}" ${r.status}: ${r.message}`);
      out.ran.push(r);
    } catch (err) {
      log(`scheduled sync of inventory source "${s.name}" failed: ${(err as Error).message}`);
    }
  }
  return out;
}
