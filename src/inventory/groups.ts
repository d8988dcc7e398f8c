// Device groups: a name, a description and options the devices of the group inherit.
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { jsonb } from '../db/index.ts';
import { InputError } from '../errors.ts';
import { isPlainObject, isUniqueViolation, isUuid, likePattern, page } from './common.ts';

export interface GroupView {
  id: string;
  name: string;
  description: string;
  options: Record<string, unknown>;
  device_count: number;
  created_at: Date;
  updated_at: Date;
}

export interface GroupInput {
  name: string;
  description?: string;
  options?: Record<string, unknown>;
}

const NAME_RE = /^[^\x00-\x1f\x7f/\\]{1,255}$/;

export function validateObjectName(kind: string, name: unknown): string {
  const n = typeof name === 'string' ? name.trim() : '';
  if (!NAME_RE.test(n) || isUuid(n)) {
    throw new InputError(
      `invalid_${kind.replace(/ /g, '_')}_name`,
      `a ${kind} name is 1–255 characters without "/", "\\" or control characters, and is not a UUID; choose another name`,
      400,
    );
  }
  return n;
}

export function validateOptions(what: string, options: unknown): Record<string, unknown> {
  if (!isPlainObject(options)) throw new InputError('invalid_options', `${what} options must be a JSON object; give {} for none`, 400);
  if (JSON.stringify(options).length > 65_536) throw new InputError('invalid_options', `${what} options are larger than 64 KiB; keep them small`, 400);
  return options;
}

function groupQuery(db: Db) {
  return db
    .selectFrom('device_groups as g')
    .selectAll('g')
    .select((eb) =>
      eb.selectFrom('devices').select((e) => e.fn.countAll<number>().as('n')).whereRef('devices.group_id', '=', 'g.id').as('device_count'),
    );
}

function view(r: { device_count: number | string | null } & Omit<GroupView, 'device_count'>): GroupView {
  return { ...r, device_count: Number(r.device_count ?? 0) };
}

function nameTaken(name: string): InputError {
  return new InputError('group_name_taken', `a group named "${name}" already exists; choose another name`, 409);
}

export async function createGroup(db: Db, input: GroupInput): Promise<GroupView> {
  const name = validateObjectName('group', input.name);
  const options = validateOptions('group', input.options ?? {});
  if (await findGroup(db, name)) throw nameTaken(name);
  try {
    const r = await db
      .insertInto('device_groups')
      .values({ name, description: input.description ?? '', options: jsonb(options), updated_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return getGroup(db, r.id);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(name);
    throw err;
  }
}

export async function findGroup(db: Db, idOrName: string): Promise<GroupView | undefined> {
  if (isUuid(idOrName)) {
    const r = await groupQuery(db).where('g.id', '=', idOrName).executeTakeFirst();
    if (r) return view(r);
  }
  const r = await groupQuery(db).where('g.name', '=', idOrName.trim()).executeTakeFirst();
  return r ? view(r) : undefined;
}

export async function getGroup(db: Db, idOrName: string): Promise<GroupView> {
  const g = await findGroup(db, idOrName);
  if (!g) throw new InputError('group_not_found', `no group with id or name "${idOrName}"; list the groups to find the right one`, 404);
  return g;
}

export async function listGroups(db: Db, opts: { limit?: number; offset?: number; q?: string } = {}): Promise<{ items: GroupView[]; total: number }> {
  const { limit, offset } = page(opts);
  let base = db.selectFrom('device_groups as g');
  if (opts.q) base = base.where('g.name', 'ilike', likePattern(opts.q));
  const ids = base.select('g.id');
  const [rows, count] = await Promise.all([
    groupQuery(db).where('g.id', 'in', ids).orderBy('g.name').limit(limit).offset(offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(view), total: Number(count.n) };
}

export async function updateGroup(db: Db, idOrName: string, patch: Partial<GroupInput>): Promise<GroupView> {
  const g = await getGroup(db, idOrName);
  const set: Record<string, unknown> = {};
  if (patch.name !== undefined) {
    const name = validateObjectName('group', patch.name);
    if (name !== g.name) {
      const other = await findGroup(db, name);
      if (other && other.id !== g.id) throw nameTaken(name);
    }
    set.name = name;
  }
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.options !== undefined) set.options = jsonb(validateOptions('group', patch.options));
  if (Object.keys(set).length) {
    try {
      await db.updateTable('device_groups').set({ ...set, updated_at: new Date() }).where('id', '=', g.id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(String(set.name));
      throw err;
    }
  }
  return getGroup(db, g.id);
}

/** Refuses (409 group_not_empty) while devices are in the group: move them first, so nothing loses its settings silently. */
export async function deleteGroup(db: Db, idOrName: string): Promise<GroupView> {
  const g = await getGroup(db, idOrName);
  if (g.device_count > 0) {
    throw new InputError(
      'group_not_empty',
      `group "${g.name}" still has ${g.device_count} device(s); move them to another group (or to none) first, then delete the group`,
      409,
    );
  }
  const r = await db.deleteFrom('device_groups').where('id', '=', g.id).where(sql<boolean>`NOT EXISTS (SELECT 1 FROM devices WHERE group_id = ${g.id})`).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) {
    throw new InputError('group_not_empty', `group "${g.name}" got devices while it was being deleted; move them first, then delete the group`, 409);
  }
  return g;
}
