// Secrets are never logged. The redaction layer on its own (field names, registered values,
// error texts, API tokens); then a full backup pass on both back-ends — SSH devices with a
// password and enable secret, with a private key and its passphrase, one refusing the password,
// an SNMP device with a community — through the API, the queue, the worker and the event logger,
// every log line captured at trace level and searched for every one of those secrets.
import { Writable } from 'node:stream';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPass } from '../../src/backup/pass.ts';
import { bus } from '../../src/events/bus.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { logBusEvents } from '../../src/logging/events.ts';
import { registerSecret, scrub } from '../../src/logging/redact.ts';
import { getBoss, stopBoss } from '../../src/schedule/queue.ts';
import { startWorker, type WorkerHandle } from '../../src/schedule/worker.ts';
import { startFleet, type Fleet } from '../../src/sim/index.ts';
import { startSimCiscoAgent, type SimCiscoAgent } from '../../src/sim/snmp-cisco.ts';
import { backends } from '../helpers/db.ts';
import { PASSWORDS, startServer, type TestServer } from '../api/helpers.ts';

function sink() {
  const lines: string[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop()!;
      lines.push(...parts.filter(Boolean));
      cb();
    },
  });
  return { lines, stream };
}

describe('the redaction layer', () => {
  it('censors secret-named fields, registered secret values anywhere, and API tokens', () => {
    const { lines, stream } = sink();
    const log = createLogger({ level: 'trace', destination: stream, env: {} });
    registerSecret('Unit-Secret-"quoted"\\value');
    registerSecret('abc'); // too short to scrub from text without mangling words
    log.info({ password: 'pw-field-1', credentials: { enable_password: 'en-field-2', nested: { community: 'comm-field-3' } }, authorization: 'Bearer x' }, 'fields');
    log.warn('a message that quotes Unit-Secret-"quoted"\\value by mistake');
    log.error({ err: new Error('device said: Unit-Secret-"quoted"\\value rejected') }, 'an error text');
    log.info({ note: 'token nk_abcdefghijklmnopqrstuvwxyz012345 pasted' }, 'tokens');
    expect(lines).toHaveLength(4);
    for (const l of lines) JSON.parse(l); // still JSON after scrubbing
    const all = lines.join('\n');
    for (const s of ['pw-field-1', 'en-field-2', 'comm-field-3', 'Bearer x', 'Unit-Secret', 'nk_abcdefghijklmnopqrstuvwxyz012345']) expect(all).not.toContain(s);
    expect(JSON.parse(lines[0]!)).toMatchObject({ password: '[REDACTED]', credentials: { enable_password: '[REDACTED]', nested: { community: '[REDACTED]' } }, msg: 'fields' });
    expect(JSON.parse(lines[1]!).msg).toBe('a message that quotes [REDACTED] by mistake');
    expect(JSON.parse(lines[2]!).err.message).toBe('device said: [REDACTED] rejected');
    expect(scrub('abc and abcdef')).toBe('abc and abcdef');
  });
});

const FLEET_PASSWORD = 'Fleet-Pw-Secr3t!x';
const ENABLE_SECRET = 'Enable-S3cret-Value';
const PASSPHRASE = 'Key-Passphrase-77z';
const COMMUNITY = 'Snmp-Community-Q9w';

describe.each(backends())('a full backup pass logs no secret on %s', (backend) => {
  const { lines, stream } = sink();
  let s: TestServer;
  let fleet: Fleet;
  let agent: SimCiscoAgent;
  let worker: WorkerHandle;
  let offLog: () => void;
  const key = ssh2.utils.generateKeyPairSync('ed25519', { passphrase: PASSPHRASE, cipher: 'aes256-ctr', rounds: 16 });

  beforeAll(async () => {
    const log = createLogger({ level: 'trace', destination: stream, process: 'test', env: {} });
    s = await startServer(backend, { loggerInstance: log });
    offLog = logBusEvents(bus, log);
    fleet = await startFleet({ count: 4, configLines: 50, password: FLEET_PASSWORD, publicKey: key.public, misbehave: { 'wrong-password': 1 } });
    agent = await startSimCiscoAgent({ community: COMMUNITY, runningConfig: 'hostname snmp1\nend\n', sysName: 'snmp1' });
    await getBoss(s.ctx, { settings: { attemptDeadlineSeconds: 60, retryLimit: 1, retryDelaySeconds: 1, superviseIntervalSeconds: 5 } }); // generous: the machine is shared
    worker = await startWorker(s.ctx, { concurrency: 4, pollIntervalMs: 200, log: (l) => log.warn(l) });
  });
  afterAll(async () => {
    offLog?.();
    await worker?.stop({ graceful: false });
    await stopBoss(s.ctx);
    await fleet?.close();
    await agent?.close();
    await s?.close();
  });

  it('through the API, the queue, the worker and the event log', async () => {
    // log in with a password, as the UI does
    let r = await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: PASSWORDS.admin } });
    expect(r.statusCode).toBe(200);
    // credential profiles through the API: the secrets travel in request bodies
    const profile = async (name: string, body: Record<string, unknown>) => {
      const res = await s.as('admin', { method: 'POST', url: '/api/v1/credential-profiles', payload: { name, ...body } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const info = fleet.info;
    const profiles = [
      await profile('pw-enable', { username: info[0]!.username, password: FLEET_PASSWORD, enable_password: ENABLE_SECRET }),
      await profile('key', { username: info[1]!.username, private_key: key.private, passphrase: PASSPHRASE }),
      await profile('pw-2', { username: info[2]!.username, password: FLEET_PASSWORD, enable_password: ENABLE_SECRET }),
      await profile('refused', { username: info[3]!.username, password: FLEET_PASSWORD }), // the device wants another one
      await profile('snmp', { username: 'snmp', password: COMMUNITY }),
    ];
    for (let i = 0; i < 4; i++) {
      r = await s.as('admin', { method: 'POST', url: '/api/v1/devices', payload: { name: info[i]!.name, address: info[i]!.host, port: info[i]!.sshPort, driver: 'ios', credential_profile: profiles[i] } });
      expect(r.statusCode, r.body).toBe(201);
    }
    r = await s.as('admin', { method: 'POST', url: '/api/v1/devices', payload: { name: 'snmp1', address: '127.0.0.1', port: agent.port, driver: 'ios', protocol: 'snmp', credential_profile: profiles[4], options: { subtrees: ['system'], timeout: 2000 } } });
    expect(r.statusCode, r.body).toBe(201);

    const pass = await runPass(s.ctx, { all: true });
    expect(pass.total).toBe(5);
    expect(pass.ok, JSON.stringify(pass.failures)).toBe(4);
    expect(pass.failedByClass).toEqual({ auth_failed: 1 });
    // and a request with the API token in its header, and one that fails
    r = await s.as('admin', { method: 'GET', url: '/api/v1/devices' });
    expect(r.statusCode).toBe(200);
    r = await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: `${PASSWORDS.admin}-wrong` } });
    expect(r.statusCode).toBe(401);

    // the logs are there: one line per finished job with its job id, request lines with request ids
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const finished = parsed.filter((l) => l.msg === 'backup succeeded' || l.msg === 'backup failed');
    expect(finished).toHaveLength(5);
    expect(finished.every((l) => typeof l.job_id === 'string' && (l.job_id as string).length > 8)).toBe(true);
    expect(parsed.some((l) => typeof l.request_id === 'string' && l.msg === 'request completed')).toBe(true);
    expect(lines.length).toBeGreaterThan(40);

    // and not one of them holds a secret
    const secrets: Record<string, string> = {
      'device password': FLEET_PASSWORD,
      'enable secret': ENABLE_SECRET,
      'key passphrase': PASSPHRASE,
      'SNMP community': COMMUNITY,
      'admin password': PASSWORDS.admin,
      'admin API token': s.tokens.admin,
      'operator API token': s.tokens.operator,
    };
    key.private.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')).forEach((l, i) => (secrets[`private key line ${i + 1}`] = l));
    const leaks: string[] = [];
    for (const [what, value] of Object.entries(secrets)) {
      for (const l of lines) if (l.includes(value)) leaks.push(`${what} in: ${l.slice(0, 300)}`);
    }
    expect(leaks).toEqual([]);
  });
});
