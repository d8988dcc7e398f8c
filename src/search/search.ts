// Config search: plain text or a regular expression over the latest config of every device (from
// the in-memory cache) or, on request, over every distinct stored version; matching lines with
// their context, one result per device (per distinct version with all_versions).
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { InputError } from '../errors.ts';
import { isUuid } from '../inventory/common.ts';
import { BlobError, type BlobStore } from '../store/blobs.ts';
import { latestConfigsFor, lineStartsOf, type LatestConfigs } from './cache.ts';
import { compilePattern } from './pattern.ts';

export interface SearchOptions {
  q: string;
  regex?: boolean;
  caseSensitive?: boolean;
  allVersions?: boolean;
  /** Lines of context before and after each match (0–20, default 2). */
  context?: number;
  /** A group id or name: only its devices. */
  group?: string;
  /** Results (devices, or device versions with allVersions) at most (1–10,000, default 100). */
  limit?: number;
  /** Matching lines per result at most (default 100). */
  maxMatches?: number;
  /** Stop scanning after this long and answer with what was found (default 10 s, not counting the reading of the latest configs; 60 s with allVersions, reads included). */
  timeLimitMs?: number;
}

export interface SearchMatch {
  line_no: number;
  line: string;
  before: string[];
  after: string[];
}

export interface SearchHit {
  device_id: string;
  device_name: string;
  history_id: string;
  created_at: string;
  /** More matching lines exist than are listed. */
  more_matches: boolean;
  matches: SearchMatch[];
}

export interface SearchResponse {
  query: string;
  regex: boolean;
  case_sensitive: boolean;
  all_versions: boolean;
  group_id: string | null;
  devices_searched: number;
  devices_matched: number;
  /** Distinct stored versions read (all_versions only; else the latest configs). */
  versions_searched: number;
  elapsed_ms: number;
  /** Configs that had to be read from the blob store for this search (0 when the cache was warm). */
  configs_loaded: number;
  truncated: boolean;
  results: SearchHit[];
  /** Devices or versions that could not be searched, and why (e.g. a blob failed verification). */
  warnings: string[];
}

/** A group id or name → its id; InputError 404 when there is none. */
export async function resolveGroup(db: Db, group: string): Promise<{ id: string; name: string }> {
  let q = db.selectFrom('device_groups').select(['id', 'name']);
  q = isUuid(group) ? q.where((eb) => eb.or([eb('id', '=', group), eb('name', '=', group)])) : q.where('name', '=', group);
  const g = await q.executeTakeFirst();
  if (!g) throw new InputError('group_not_found', `no device group with id or name "${group}"; list the groups with GET /api/v1/groups`, 404);
  return g;
}

const stripCr = (l: string) => (l.endsWith('\r') ? l.slice(0, -1) : l);

function lineAt(text: string, starts: Int32Array, i: number): string {
  const end = i + 1 < starts.length ? starts[i + 1]! - 1 : text.length;
  let s = text.slice(starts[i]!, end);
  if (i + 1 >= starts.length && s.endsWith('\n')) s = s.slice(0, -1);
  return stripCr(s);
}

/** Index of the line containing offset (binary search over line starts). */
function lineIndex(starts: Int32Array, offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The matching lines of one text (a match is reported at the line where it starts; one entry
 * per line). Undefined when nothing matches. `re` must be global.
 */
export function matchLines(c: { text: string; lineStarts?: Int32Array }, re: RegExp, context: number, max: number): { matches: SearchMatch[]; more: boolean } | undefined {
  re.lastIndex = 0;
  let m = re.exec(c.text);
  if (!m) return undefined;
  const starts = lineStartsOf(c);
  const matches: SearchMatch[] = [];
  let more = false;
  while (m) {
    const li = lineIndex(starts, m.index);
    if (matches.length >= max) {
      more = true;
      break;
    }
    const before: string[] = [];
    for (let k = Math.max(0, li - context); k < li; k++) before.push(lineAt(c.text, starts, k));
    const after: string[] = [];
    for (let k = li + 1; k <= Math.min(starts.length - 1, li + context); k++) after.push(lineAt(c.text, starts, k));
    matches.push({ line_no: li + 1, line: lineAt(c.text, starts, li), before, after });
    // continue on the next line
    if (li + 1 >= starts.length) break;
    re.lastIndex = starts[li + 1]!;
    m = re.exec(c.text);
  }
  return { matches, more };
}

function clampInt(v: number | undefined, def: number, min: number, max: number, name: string): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < min || v > max) throw new InputError('invalid_request', `${name} must be a whole number from ${min} to ${max}, not ${v}`, 400);
  return v;
}

export async function searchConfigs(db: Db, store: BlobStore, o: SearchOptions, cache: LatestConfigs = latestConfigsFor(db, store)): Promise<SearchResponse> {
  const t0 = performance.now();
  const regex = o.regex ?? false;
  const caseSensitive = o.caseSensitive ?? false;
  const re = compilePattern(o.q ?? '', { regex, caseSensitive, field: 'q' });
  const context = clampInt(o.context, 2, 0, 20, 'context');
  const limit = clampInt(o.limit, 100, 1, 10_000, 'limit');
  const maxMatches = clampInt(o.maxMatches, 100, 1, 10_000, 'max_matches');
  const timeLimit = o.timeLimitMs ?? (o.allVersions ? 60_000 : 10_000);
  const group = o.group ? await resolveGroup(db, o.group) : undefined;
  const res: SearchResponse = {
    query: o.q,
    regex,
    case_sensitive: caseSensitive,
    all_versions: !!o.allVersions,
    group_id: group?.id ?? null,
    devices_searched: 0,
    devices_matched: 0,
    versions_searched: 0,
    elapsed_ms: 0,
    configs_loaded: 0,
    truncated: false,
    results: [],
    warnings: [],
  };
  // the limit bounds the scanning (reading configs is bounded by their number and size)
  let scanStart = performance.now();
  const overTime = () => {
    if (performance.now() - scanStart <= timeLimit) return false;
    res.truncated = true;
    res.warnings.push(`the search stopped after ${Math.round(timeLimit / 1000)} s with partial results; narrow it (a group, a more specific pattern)`);
    return true;
  };

  if (!o.allVersions) {
    const snap = await cache.snapshot();
    scanStart = performance.now();
    res.configs_loaded = snap.loaded;
    for (const u of snap.unreadable) {
      if (!group || u.groupId === group.id) res.warnings.push(`${u.deviceName}: latest version ${u.historyId} was not searched: ${u.reason}`);
    }
    for (const c of snap.configs) {
      if (group && c.groupId !== group.id) continue;
      res.devices_searched++;
      res.versions_searched++;
      if (res.results.length >= limit) {
        // only count the rest
        re.lastIndex = 0;
        if (re.test(c.text)) {
          res.devices_matched++;
          res.truncated = true;
        }
      } else {
        const hit = matchLines(c, re, context, maxMatches);
        if (hit) {
          res.devices_matched++;
          if (hit.more) res.truncated = true;
          res.results.push({ device_id: c.deviceId, device_name: c.deviceName, history_id: c.historyId, created_at: c.at.toISOString(), more_matches: hit.more, matches: hit.matches });
        }
      }
      if ((res.devices_searched & 255) === 0 && overTime()) break;
    }
  } else {
    await searchAllVersions(db, store, re, { context, limit, maxMatches, groupId: group?.id, overTime }, res);
  }
  res.elapsed_ms = Math.round((performance.now() - t0) * 10) / 10;
  return res;
}

/** Every distinct config of every device: one result per (device, content), newest version of that content. */
async function searchAllVersions(
  db: Db,
  store: BlobStore,
  re: RegExp,
  o: { context: number; limit: number; maxMatches: number; groupId: string | undefined; overTime: () => boolean },
  res: SearchResponse,
): Promise<void> {
  const rows = (
    await sql<{ device_id: string; name: string; history_id: string; checksum: string; started_at: Date }>`
      SELECT DISTINCT ON (h.device_id, h.checksum) h.device_id, d.name, h.id AS history_id, h.checksum, h.started_at
      FROM backup_history h JOIN devices d ON d.id = h.device_id
      WHERE h.status = 'success' AND h.checksum <> '' ${o.groupId ? sql`AND d.group_id = ${o.groupId}` : sql``}
      ORDER BY h.device_id, h.checksum, h.started_at DESC, h.id DESC`.execute(db)
  ).rows;
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : new Date(b.started_at).getTime() - new Date(a.started_at).getTime()));
  const devices = new Set<string>();
  const matched = new Set<string>();
  // identical content on several devices is read once per search
  const texts = new Map<string, string | Error>();
  for (const r of rows) {
    devices.add(r.device_id);
    let text = texts.get(r.checksum);
    if (text === undefined) {
      try {
        text = (await store.get(r.checksum)).toString('utf8');
        res.configs_loaded++;
      } catch (err) {
        if (!(err instanceof BlobError)) throw err;
        text = err;
      }
      texts.set(r.checksum, text);
      if (texts.size > 2000) texts.delete(texts.keys().next().value!);
    }
    if (text instanceof Error) {
      res.warnings.push(`${r.name}: version ${r.history_id} was not searched: ${text.message}`);
      continue;
    }
    res.versions_searched++;
    const c = { text };
    if (res.results.length >= o.limit) {
      re.lastIndex = 0;
      if (re.test(text)) {
        matched.add(r.device_id);
        res.truncated = true;
      }
    } else {
      const hit = matchLines(c, re, o.context, o.maxMatches);
      if (hit) {
        matched.add(r.device_id);
        if (hit.more) res.truncated = true;
        res.results.push({ device_id: r.device_id, device_name: r.name, history_id: r.history_id, created_at: new Date(r.started_at).toISOString(), more_matches: hit.more, matches: hit.matches });
      }
    }
    if ((res.versions_searched & 63) === 0 && o.overTime()) break;
  }
  res.devices_searched = devices.size;
  res.devices_matched = matched.size;
}
