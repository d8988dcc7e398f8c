// Concurrency limits of the backup workers.
//  * per worker: the worker's own pool size (worker.ts);
//  * per group / per site: pg-boss job groups honoured at fetch time across all workers (queue.ts);
//  * global: this file — N session slots shared by every worker process. On PostgreSQL a lease
//    table (backup_slots): a worker leases slots before it fetches jobs, renews them while the
//    sessions run and deletes them after; a dead worker's leases expire. On PGlite there is
//    exactly one process, so an in-process counter does it.
// Slots are taken before jobs are fetched, so a worker never holds a job it may not run.
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';

export interface Lease {
  readonly slot: number;
}

export interface SlotLimiter {
  /** Take up to `want` slots without waiting; returns the leases taken (maybe none). */
  tryAcquire(want: number): Promise<Lease[]>;
  release(leases: Lease[]): Promise<void>;
  /** Extend the leases (held by running sessions) so they do not expire. */
  renew(leases: Lease[]): Promise<void>;
  readonly max: number;
}

/** No global limit. */
export const UNLIMITED: SlotLimiter = {
  max: Infinity,
  tryAcquire: async (want) => Array.from({ length: want }, () => ({ slot: -1 })),
  release: async () => {},
  renew: async () => {},
};

export class LocalSlots implements SlotLimiter {
  readonly max: number;
  private used = 0;
  constructor(max: number) {
    this.max = max;
  }
  async tryAcquire(want: number): Promise<Lease[]> {
    const n = Math.max(0, Math.min(want, this.max - this.used));
    this.used += n;
    return Array.from({ length: n }, () => ({ slot: -1 }));
  }
  async release(leases: Lease[]): Promise<void> {
    this.used = Math.max(0, this.used - leases.length);
  }
  async renew(): Promise<void> {}
  get inUse(): number {
    return this.used;
  }
}

/** Lease-table slots, shared by every process on one PostgreSQL database. */
export class SharedSlots implements SlotLimiter {
  readonly max: number;
  private readonly ctx: Pick<AppContext, 'db'>;
  private readonly scope: string;
  private readonly holder: string;
  private readonly ttlSeconds: number;

  constructor(ctx: Pick<AppContext, 'db'>, o: { scope: string; max: number; holder: string; ttlSeconds: number }) {
    this.ctx = ctx;
    this.scope = o.scope;
    this.max = o.max;
    this.holder = o.holder;
    this.ttlSeconds = o.ttlSeconds;
  }

  async tryAcquire(want: number): Promise<Lease[]> {
    if (want <= 0) return [];
    // Free slots are the ones without a row or with an expired lease. Two workers racing for one
    // slot: the ON CONFLICT … WHERE lets only one of them take it; the other gets fewer slots.
    const r = await sql<{ slot: number }>`
      WITH free AS (
        SELECT s FROM generate_series(0, ${this.max - 1}::int) AS s
        WHERE NOT EXISTS (SELECT 1 FROM backup_slots b WHERE b.scope = ${this.scope} AND b.slot = s AND b.expires_at > now())
        ORDER BY random()
        LIMIT ${want}::int)
      INSERT INTO backup_slots (scope, slot, holder, expires_at)
      SELECT ${this.scope}, s, ${this.holder}, now() + make_interval(secs => ${this.ttlSeconds}::int) FROM free
      ON CONFLICT (scope, slot) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
        WHERE backup_slots.expires_at <= now()
      RETURNING slot`.execute(this.ctx.db);
    return r.rows.map((x) => ({ slot: x.slot }));
  }

  async release(leases: Lease[]): Promise<void> {
    if (!leases.length) return;
    await this.ctx.db
      .deleteFrom('backup_slots')
      .where('scope', '=', this.scope)
      .where('holder', '=', this.holder)
      .where('slot', 'in', leases.map((l) => l.slot))
      .execute();
  }

  async renew(leases: Lease[]): Promise<void> {
    if (!leases.length) return;
    await sql`UPDATE backup_slots SET expires_at = now() + make_interval(secs => ${this.ttlSeconds}::int)
      WHERE scope = ${this.scope} AND holder = ${this.holder} AND slot IN (${sql.join(leases.map((l) => l.slot))})`.execute(this.ctx.db);
  }
}

/** The global limiter for a worker: shared slots on PostgreSQL, a counter on PGlite, none without a limit. */
export function globalLimiter(ctx: Pick<AppContext, 'db' | 'ndb'>, o: { max?: number; holder: string; ttlSeconds: number; scope?: string }): SlotLimiter {
  if (!o.max || !Number.isFinite(o.max)) return UNLIMITED;
  if (ctx.ndb.kind === 'pglite') return new LocalSlots(o.max);
  return new SharedSlots(ctx, { scope: o.scope ?? 'global', max: o.max, holder: o.holder, ttlSeconds: o.ttlSeconds });
}
