// The netkeep command as a user meets it: real processes of bin/netkeep.js on a fresh data
// directory (embedded PGlite) and on a PostgreSQL database, checking output, exit codes and
// that every failure is one line on stderr without a stack trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends, freshDb } from '../helpers/db.ts';

const BIN = join(import.meta.dirname, '../../bin/netkeep.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function netkeep(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NETKEEP_DATA_DIR: '', DATABASE_URL: '', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A failure is exactly one line on stderr, naming the problem, with no stack trace. */
function expectOneLineError(r: Run, code: number, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^netkeep: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('netkeep without a database', () => {
  it('prints its version and the command list', () => {
    const v = netkeep(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = netkeep(['--help']);
    expect(h.code).toBe(0);
    for (const c of ['serve', 'fetch', 'drivers', 'device', 'user', 'token', 'migrate']) expect(h.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it.each([
    ['serve'], ['migrate'], ['fetch'], ['drivers'],
    ['user', 'add'], ['user', 'list'], ['user', 'passwd'],
    ['token', 'create'], ['token', 'revoke'], ['token', 'list'],
    ['device', 'add'], ['device', 'list'], ['device', 'import'],
  ])('has --help for %s %s', (...cmd) => {
    const r = netkeep([...cmd, '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Usage: netkeep ${cmd.join(' ')}`));
  });

  it('refuses unknown commands and options with one line and exit 2', () => {
    expectOneLineError(netkeep(['frobnicate']), 2, /unknown command "frobnicate"/);
    expectOneLineError(netkeep(['user', 'frob']), 2, /unknown command "user frob"/);
    expectOneLineError(netkeep(['device', 'list', '--colour']), 2, /--colour/);
    expectOneLineError(netkeep(['serve', '--port', 'eighty']), 2, /--port must be a number/);
  });
});

describe.each(backends())('netkeep commands on %s', (backend) => {
  let dbArgs: string[];
  const dataDir = mkdtempSync(join(tmpdir(), 'netkeep-cli-'));

  beforeAll(async () => {
    dbArgs = ['--data-dir', dataDir];
    if (backend === 'postgres') {
      const t = await freshDb('postgres');
      await t.close();
      dbArgs.push('--database-url', t.databaseUrl!);
    }
  });

  afterAll(() => {});

  it('migrates (a no-op once the schema is current)', () => {
    const r = netkeep(['migrate', ...dbArgs]);
    expect(r.code, r.stderr).toBe(0);
    // the fresh PGlite directory is created and migrated by this very command
    expect(r.stdout).toMatch(backend === 'pglite' ? /applied: 001_foundation|is up to date/ : /is up to date/);
    expect(netkeep(['migrate', ...dbArgs]).stdout).toMatch(/is up to date/);
  });

  it('adds users with a password from stdin, lists them, refuses duplicates and weak passwords', () => {
    const add = netkeep(['user', 'add', 'alice', '--role', 'operator', ...dbArgs], { input: 'correct horse battery staple\n' });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/created user alice \(operator\)/);
    const list = netkeep(['user', 'list', '--json', ...dbArgs]);
    expect(list.code, list.stderr).toBe(0);
    const users = JSON.parse(list.stdout) as { username: string; role: string; password_hash?: string }[];
    expect(users.find((u) => u.username === 'alice')?.role).toBe('operator');
    expect(list.stdout).not.toMatch(/argon2|password_hash/);
    expectOneLineError(netkeep(['user', 'add', 'alice', ...dbArgs], { input: 'another long password 1\n' }), 2, /alice/);
    expectOneLineError(netkeep(['user', 'add', 'bob', ...dbArgs], { input: 'short\n' }), 2, /password/i);
    expectOneLineError(netkeep(['user', 'add', 'carol', '--role', 'root', ...dbArgs], { input: 'long enough password 22\n' }), 2, /--role must be one of admin, operator, viewer/);
    const pw = netkeep(['user', 'passwd', 'alice', '--password', 'a different long password 9', ...dbArgs]);
    expect(pw.code, pw.stderr).toBe(0);
    expectOneLineError(netkeep(['user', 'passwd', 'nobody', '--password', 'a different long password 9', ...dbArgs]), 2, /nobody/);
  });

  it('creates a token printed once, lists it without the secret, revokes it', () => {
    const c = netkeep(['token', 'create', '--user', 'alice', '--name', 'ci', '--json', ...dbArgs]);
    expect(c.code, c.stderr).toBe(0);
    const t = JSON.parse(c.stdout) as { token: string; prefix: string; id: string };
    expect(t.token).toMatch(/^nk_/);
    const l = netkeep(['token', 'list', '--json', ...dbArgs]);
    expect(l.code, l.stderr).toBe(0);
    expect(l.stdout).toContain(t.prefix);
    expect(l.stdout).not.toContain(t.token);
    expect(netkeep(['token', 'revoke', t.prefix, ...dbArgs]).code).toBe(0);
    const after = JSON.parse(netkeep(['token', 'list', '--json', ...dbArgs]).stdout) as { prefix: string; revoked_at: string | null }[];
    expect(after.find((x) => x.prefix === t.prefix)?.revoked_at).toBeTruthy();
    expectOneLineError(netkeep(['token', 'revoke', 'nk_doesnotexist', ...dbArgs]), 2, /nk_doesnotexist/);
    expectOneLineError(netkeep(['token', 'create', '--user', 'ghost', ...dbArgs]), 2, /ghost/);
  });

  it('adds and lists devices, and rejects an unknown driver', () => {
    const add = netkeep(['device', 'add', 'core1', '--address', '192.0.2.1', '--driver', 'ios', '--group', 'core', '--tag', 'dc1', ...dbArgs]);
    expect(add.code, add.stderr).toBe(0);
    expectOneLineError(netkeep(['device', 'add', 'core2', '--address', '192.0.2.2', '--driver', 'no-such-os', ...dbArgs]), 2, /no-such-os/);
    expectOneLineError(netkeep(['device', 'add', 'core3', '--driver', 'ios', ...dbArgs]), 2, /--address is required/);
    const list = netkeep(['device', 'list', '--json', ...dbArgs]);
    const page = JSON.parse(list.stdout) as { total: number; items: { name: string; group: string; tags: string[] }[] };
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({ name: 'core1', group: 'core', tags: ['dc1'] });
    const text = netkeep(['device', 'list', ...dbArgs]);
    expect(text.stdout).toMatch(/^NAME\s+ADDRESS\s+DRIVER/);
    expect(text.stdout).toMatch(/^core1\s+192\.0\.2\.1\s+ios\s+core/m);
  });

  it('imports a CSV, reusing one credential profile for identical credentials', () => {
    const file = join(dataDir, 'good.csv');
    writeFileSync(
      file,
      'name,address,port,driver,group,username,password,enable_password\r\n' +
        'edge1,198.51.100.1,22,ios,edge,backup,S3cret-pass,En-able\r\n' +
        'edge2,198.51.100.2,,junos,edge,backup,S3cret-pass,En-able\r\n' +
        '"edge3",198.51.100.3,2222,eos,lab,netops,"pa,ss",\r\n',
    );
    const dry = netkeep(['device', 'import', file, '--dry-run', '--json', ...dbArgs]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, created: 3 });
    expect((JSON.parse(netkeep(['device', 'list', '--json', ...dbArgs]).stdout) as { total: number }).total).toBe(1);
    const r = netkeep(['device', 'import', file, ...dbArgs]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/imported 3 lines: 3 created, 0 updated, 0 unchanged, 2 credential profiles created/);
    const again = netkeep(['device', 'import', file, ...dbArgs]);
    expect(again.stdout).toMatch(/0 created, 0 updated, 3 unchanged, 0 credential profiles created/);
    const names = (JSON.parse(netkeep(['device', 'list', '--json', ...dbArgs]).stdout) as { items: { name: string }[] }).items.map((d) => d.name);
    expect(names.sort()).toEqual(['core1', 'edge1', 'edge2', 'edge3']);
  });

  it('imports nothing from a file with bad lines, and names each bad line', () => {
    const file = join(dataDir, 'bad.csv');
    writeFileSync(
      file,
      'name,address,port,driver,group,username,password,enable_password\n' +
        'ok1,198.51.100.10,22,ios,g,u,p,\n' +
        'bad1,198.51.100.11,99999,ios,g,u,p,\n' +
        'ok2,198.51.100.12,22,ios,g,u,p,\n' +
        ',198.51.100.13,22,ios,g,u,p,\n',
    );
    const r = netkeep(['device', 'import', file, ...dbArgs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: .*port`));
    expect(r.stderr).toMatch(/:5: .*name/);
    expect(r.stderr).toMatch(/2 bad lines .* nothing was imported/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const names = (JSON.parse(netkeep(['device', 'list', '--json', ...dbArgs]).stdout) as { items: { name: string }[] }).items.map((d) => d.name);
    expect(names).not.toContain('ok1');
    expectOneLineError(netkeep(['device', 'import', join(dataDir, 'missing.csv'), ...dbArgs]), 2, /cannot read .*missing\.csv: no such file/);
  });

  it('records CLI mutations in the audit log', async () => {
    if (backend !== 'postgres') {
      // the embedded database is read back through a second open of the same directory
      const { openDatabase } = await import('../../src/db/index.ts');
      const ndb = await openDatabase({ dataDir, command: 'test' });
      const actions = (await ndb.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action);
      await ndb.close();
      expect(actions).toEqual(expect.arrayContaining(['user.create', 'user.password', 'token.create', 'token.revoke', 'device.create', 'device.import']));
      return;
    }
    const url = dbArgs[dbArgs.indexOf('--database-url') + 1]!;
    const { openDatabase } = await import('../../src/db/index.ts');
    const ndb = await openDatabase({ dataDir, databaseUrl: url });
    const actions = (await ndb.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action);
    await ndb.close();
    expect(actions).toEqual(expect.arrayContaining(['user.create', 'user.password', 'token.create', 'token.revoke', 'device.create', 'device.import']));
  });
});
