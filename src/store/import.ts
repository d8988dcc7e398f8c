// Import of config history kept by Oxidized (git output) or RANCID (git layout): every commit of
// every device becomes a version, dated by the commit, with trigger 'import'. Devices are mapped
// by name and created when missing. Importing the same history twice adds nothing.
//
// Layouts:
//   oxidized-git  a repository with <device> or <group>/<device> files (single_repo), or a
//                 directory of per-group repositories <group>.git;
//   rancid        a repository with <group>/configs/<device> (and <group>/router.db), or a
//                 directory of per-group repositories with configs/<device>.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Db } from '../db/index.ts';
import { jsonb } from '../db/index.ts';
import { driverForRancidType } from '../inventory/sources/rancid.ts';
import { InputError } from '../errors.ts';
import { recordBackup, type StoreContext } from '../backup/record.ts';
import { BlobStore, sha256Hex } from './blobs.ts';
import { CatFile, git } from './git.ts';

export type ImportKind = 'oxidized-git' | 'rancid';

export interface ImportReport {
  repositories: number;
  commits: number;
  versions: number;
  skipped: number;
  devices: { name: string; group: string | null; driver: string; created: boolean; versions: number }[];
}

/** A RANCID device type (router.db / RANCID-CONTENT-TYPE) or a driver name → a netkeep driver id. */
function driverFor(type: string | undefined): string | undefined {
  return type ? driverForRancidType(type) : undefined;
}

interface Repo {
  path: string;
  /** Group of every file in it (per-group repositories), or undefined (group from the path). */
  group?: string;
}

async function isRepo(path: string): Promise<boolean> {
  return (await git(['-C', path, 'rev-parse', '--git-dir'], { allowFail: true })).code === 0;
}

async function findRepos(path: string): Promise<Repo[]> {
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new InputError('import_path_not_found', `${path} is not a directory; give the path of the git repository (or of the folder of per-group repositories)`, 400);
  if (await isRepo(path)) return [{ path }];
  const repos: Repo[] = [];
  for (const name of readdirSync(path).sort()) {
    const p = join(path, name);
    if (statSync(p).isDirectory() && (await isRepo(p))) repos.push({ path: p, group: name.replace(/\.git$/, '') });
  }
  if (!repos.length) throw new InputError('not_a_git_repository', `${path} is not a git repository and holds none; netkeep imports the git layouts of Oxidized and RANCID (convert CVS/SVN history to git first, e.g. with git cvsimport or git svn)`, 400);
  return repos;
}

/** Which device (and group) a path in the repository is, or undefined when it is not a config. */
function classify(kind: ImportKind, repo: Repo, path: string): { device: string; group: string | null } | undefined {
  const parts = path.split('/');
  if (parts.some((p) => p.startsWith('.'))) return undefined;
  if (kind === 'rancid') {
    if (repo.group !== undefined && parts.length === 2 && parts[0] === 'configs') return { device: parts[1]!, group: repo.group };
    if (parts.length === 3 && parts[1] === 'configs') return { device: parts[2]!, group: parts[0]! };
    return undefined;
  }
  if (parts.length === 1) return { device: parts[0]!, group: repo.group ?? null };
  if (parts.length === 2) return { device: parts[1]!, group: parts[0]! };
  return undefined;
}

async function rancidTypes(repo: Repo): Promise<Map<string, string>> {
  const types = new Map<string, string>();
  const ls = await git(['-C', repo.path, 'ls-tree', '-r', '--name-only', 'HEAD'], { allowFail: true });
  const dbs = ls.stdout
    .toString('utf8')
    .split('\n')
    .filter((p) => p === 'router.db' || /^[^/]+\/router\.db$/.test(p));
  for (const p of dbs) {
    const r = await git(['-C', repo.path, 'show', `HEAD:${p}`], { allowFail: true });
    for (const line of r.stdout.toString('utf8').split('\n')) {
      const [name, type] = line.split(/[;:]/);
      if (name && type && !name.startsWith('#')) types.set(name.trim(), type.trim());
    }
  }
  return types;
}

async function ensureDevice(db: Db, name: string, group: string | null, driver: string, source: string): Promise<{ id: string; created: boolean; driver: string }> {
  const found = await db.selectFrom('devices').select(['id', 'driver']).where('name', '=', name).executeTakeFirst();
  if (found) return { id: found.id, created: false, driver: found.driver };
  let groupId: string | null = null;
  if (group) {
    await db.insertInto('device_groups').values({ name: group, options: jsonb({}), updated_at: new Date() }).onConflict((oc) => oc.column('name').doNothing()).execute();
    groupId = (await db.selectFrom('device_groups').select('id').where('name', '=', group).executeTakeFirstOrThrow()).id;
  }
  const r = await db
    .insertInto('devices')
    .values({
      name,
      address: name,
      driver,
      group_id: groupId,
      tags: jsonb([]),
      options: jsonb({}),
      source,
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
      // imported devices keep their history but are not polled until someone checks them
      enabled: false,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: r.id, created: true, driver };
}

export async function importGitHistory(ctx: StoreContext, kind: ImportKind, path: string, o: { store?: BlobStore; onProgress?: (versions: number) => void } = {}): Promise<ImportReport> {
  const store = o.store ?? BlobStore.forContext(ctx);
  const repos = await findRepos(path);
  const report: ImportReport = { repositories: repos.length, commits: 0, versions: 0, skipped: 0, devices: [] };
  const byName = new Map<string, ImportReport['devices'][number] & { id: string }>();
  for (const repo of repos) {
    const head = await git(['-C', repo.path, 'rev-parse', '--verify', '-q', 'HEAD'], { allowFail: true });
    if (head.code !== 0) continue; // empty repository
    const types = kind === 'rancid' ? await rancidTypes(repo) : new Map<string, string>();
    const log = await git(['-C', repo.path, 'log', '--reverse', '--topo-order', '--no-renames', '--name-status', '-z', '--format=%x01%H %at', 'HEAD']);
    const tokens = log.stdout.toString('utf8').split('\0');
    const cat = new CatFile(repo.path);
    try {
      let commit = '';
      let at = new Date(0);
      for (let i = 0; i < tokens.length; i++) {
        const tok = tokens[i]!.replace(/^\n/, '');
        if (!tok) continue;
        if (tok.startsWith('\x01')) {
          const [h, t] = tok.slice(1).trim().split(' ');
          commit = h!;
          at = new Date(Number(t) * 1000);
          report.commits++;
          continue;
        }
        const status = tok.trim();
        const file = tokens[++i] ?? '';
        if (!/^[AMT]$/.test(status)) continue;
        const who = classify(kind, repo, file);
        if (!who) continue;
        const bytes = await cat.read(`${commit}:${file}`);
        if (!bytes) continue;
        let dev = byName.get(who.device);
        if (!dev) {
          const text = bytes.toString('utf8');
          const contentType = /^!RANCID-CONTENT-TYPE:\s*(\S+)/m.exec(text.slice(0, 500))?.[1];
          const driver = (kind === 'rancid' ? (driverFor(types.get(who.device)) ?? driverFor(contentType)) : driverFor(who.group ?? undefined)) ?? 'unknown';
          const d = await ensureDevice(ctx.db, who.device, who.group, driver, kind);
          dev = { id: d.id, name: who.device, group: who.group, driver: d.driver, created: d.created, versions: 0 };
          byName.set(who.device, dev);
          report.devices.push(dev);
        }
        // Re-import adds nothing: the same content at the same time is already there.
        const sha = sha256Hex(bytes);
        const dup = await ctx.db.selectFrom('backup_history').select('id').where('device_id', '=', dev.id).where('checksum', '=', sha).where('started_at', '=', at).limit(1).executeTakeFirst();
        if (dup) {
          report.skipped++;
          continue;
        }
        // Stored as the bytes git holds (not every old config is valid UTF-8).
        await recordBackup(ctx, { deviceId: dev.id, text: bytes, startedAt: at, completedAt: at, trigger: 'import', driver: dev.driver, facts: {}, durationMs: 0, store, jobId: `import:${basename(repo.path)}:${commit.slice(0, 12)}:${dev.id}` });
        dev.versions++;
        report.versions++;
        o.onProgress?.(report.versions);
      }
    } finally {
      cat.close();
    }
  }
  report.devices = report.devices.map(({ name, group, driver, created, versions }) => ({ name, group, driver, created, versions }));
  return report;
}
