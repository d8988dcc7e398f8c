// NETCONF servers that misbehave, reached through a real sshd whose netconf subsystem is a
// small shell script: a malformed chunked frame, garbage instead of a hello, silence.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NetkeepError } from '../../src/errors.ts';
import { fetchNetconf } from '../../src/backup/fetch-netconf.ts';
import { haveSshd, startSshd } from '../setup/sshd.ts';
import type { SshdServer } from '../setup/sshd.ts';

const run = haveSshd() || process.env.CI ? describe : describe.skip;

const HELLO11 =
  '<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.1</capability></capabilities><session-id>1</session-id></hello>]]>]]>';

const SCRIPTS: Record<string, string> = {
  // a valid hello, then a chunk header that is not one
  'nc-badframe': `printf '%s' '${HELLO11}'\nread -r _ || true\nprintf '\\n#zz\\n<rpc-reply/>\\n##\\n'\nsleep 5\n`,
  // a chunked reply whose XML is broken
  'nc-badxml': `printf '%s' '${HELLO11}'\nsleep 0.3\nmsg='<rpc-reply message-id="1" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data><x></data></rpc-reply>'\nprintf '\\n#%d\\n%s\\n##\\n' "\${#msg}" "$msg"\nsleep 5\n`,
  'nc-garbage': `printf 'SSH-2.0-not-netconf\\r\\nhello world\\n'\n`,
  'nc-silent': `sleep 8\n`,
};

async function failure(p: Promise<unknown>): Promise<NetkeepError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NetkeepError);
    return err as NetkeepError;
  }
  throw new Error('expected a failure, got success');
}

run('NETCONF fault cases through sshd', () => {
  const servers: Record<string, SshdServer> = {};
  afterAll(async () => {
    for (const s of Object.values(servers)) await s.stop();
  });

  async function serverWith(name: string): Promise<SshdServer> {
    if (servers[name]) return servers[name]!;
    const dir = mkdtempSync(join(tmpdir(), 'netkeep-ncfault-'));
    chmodSync(dir, 0o755);
    const file = join(dir, `${name}.sh`);
    writeFileSync(file, `#!/bin/bash\n${SCRIPTS[name]}`, { mode: 0o755 });
    const s = await startSshd({ subsystems: { netconf: file } });
    servers[name] = {
      ...s,
      stop: async () => {
        await s.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return servers[name]!;
  }

  const opts = (s: SshdServer, idleMs = 10_000) => ({
    host: '127.0.0.1',
    port: s.port,
    credentials: { username: s.user, privateKey: s.clientKey },
    hostKey: { pinned: s.hostKey },
    timeouts: { connectMs: 10_000, idleMs, sessionMs: 30_000 },
    options: {},
  });

  it('a malformed chunked frame → protocol_error naming the bytes', async () => {
    const s = await serverWith('nc-badframe');
    const e = await failure(fetchNetconf(opts(s)));
    expect(e.failureClass).toBe('protocol_error');
    expect(e.message).toMatch(/malformed NETCONF chunked frame: bad chunk header "\\n#zz\\n/);
  });

  it('a reply that is not well-formed XML → protocol_error', async () => {
    const s = await serverWith('nc-badxml');
    const e = await failure(fetchNetconf(opts(s)));
    expect(e.failureClass).toBe('protocol_error');
    expect(e.message).toMatch(/not well-formed XML .*<x> is never closed|does not match/);
  });

  it('garbage instead of a hello, then EOF → classified, never a success', async () => {
    const s = await serverWith('nc-garbage');
    const e = await failure(fetchNetconf(opts(s)));
    expect(['connection_reset', 'protocol_error']).toContain(e.failureClass);
    expect(e.message).toMatch(/before its hello|hello/);
  });

  it('a server that never says hello → idle timeout', async () => {
    const s = await serverWith('nc-silent');
    const t0 = Date.now();
    const e = await failure(fetchNetconf(opts(s, 1000)));
    expect(e.failureClass).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(8000);
  });
});
