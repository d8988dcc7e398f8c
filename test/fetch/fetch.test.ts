// fetchConfig end to end over real SSH/Telnet against a synthetic fleet: the right config,
// and for every misbehaviour the right failure class within its deadline, nothing left open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchConfig } from '../../src/backup/fetch.ts';
import type { FetchOptions } from '../../src/backup/fetch.ts';
import { startFleet } from '../../src/sim/fleet.ts';
import type { Fleet } from '../../src/sim/fleet.ts';
import { syntheticIosDriver, MISBEHAVIOURS } from '../../src/sim/synthetic.ts';
import type { Misbehaviour } from '../../src/sim/synthetic.ts';
import type { FailureClass } from '../../src/errors.ts';
import { expectFailure, expectNoLeaks, handles } from '../transports/helpers.ts';

let fleet: Fleet;
const TIMEOUTS = { connectMs: 2000, idleMs: 600, sessionMs: 2500 };

beforeAll(async () => {
  fleet = await startFleet({
    count: 4 + MISBEHAVIOURS.length,
    protocols: ['ssh', 'telnet'],
    configLines: 300,
    changeShare: 0.5,
    misbehaviourOf: (i) => (i >= 4 ? MISBEHAVIOURS[i - 4] : undefined),
  });
});
afterAll(async () => {
  await fleet?.close();
});

function opts(name: string, protocol: 'ssh' | 'telnet', driver: FetchOptions['driver'] = syntheticIosDriver): FetchOptions {
  const d = fleet.infoOf(name);
  return {
    host: d.host,
    port: protocol === 'ssh' ? d.sshPort! : d.telnetPort!,
    protocol,
    driver,
    credentials: { username: d.username, password: d.password },
    hostKey: { pinned: d.pinnedHostKey },
    timeouts: TIMEOUTS,
  };
}

function nameOf(m: Misbehaviour): string {
  return fleet.info.find((i) => i.misbehaviour === m)!.name;
}

describe('fetchConfig against healthy synthetic devices', () => {
  for (const protocol of ['ssh', 'telnet'] as const) {
    it(`${protocol}: returns exactly the device's running config, cleaned`, async () => {
      const before = handles();
      const dev = fleet.devices[0];
      const r = await fetchConfig(opts(dev.name, protocol));
      expect(r.config).toBe(`!\n!\n${dev.state.runningConfig}`);
      expect(r.config.split('\n').length).toBeGreaterThan(290);
      expect(r.protocol).toBe(protocol);
      if (protocol === 'ssh') expect(r.hostKey).toBe(fleet.infoOf(dev.name).pinnedHostKey);
      await expectNoLeaks(before);
    });
  }

  it('a config pushed into the device state shows in the next fetch; advance() changes a share of the fleet', async () => {
    const dev = fleet.devices[1];
    dev.setRunningConfig('hostname pushed\n!\nend\n');
    expect((await fetchConfig(opts(dev.name, 'ssh'))).config).toBe('!\n!\nhostname pushed\n!\nend\n');
    const healthy = fleet.devices.slice(0, 4);
    const before = healthy.map((d) => d.state.runningConfig);
    const changed = new Set<string>();
    for (let i = 0; i < 4; i++) for (const n of fleet.advance()) changed.add(n);
    expect(changed.size).toBeGreaterThan(0);
    for (const [i, d] of healthy.entries()) expect(d.state.runningConfig !== before[i]).toBe(changed.has(d.name));
  });

  it("B's real ios driver over SSH and Telnet: config and facts", async () => {
    for (const protocol of ['ssh', 'telnet'] as const) {
      const dev = fleet.devices[2];
      const r = await fetchConfig(opts(dev.name, protocol, 'ios'));
      expect(r.driver).toBe('ios');
      expect(r.config).toContain(`hostname ${dev.state.hostname}\n`);
      expect(r.config).toContain(dev.state.runningConfig.split('\n').slice(-30).join('\n'));
      expect(r.config).not.toContain('Current configuration');
      expect(r.facts.serial).toBe(dev.state.serial);
    }
  });

  it('unknown driver → unknown_driver; exec-only protocol mismatch → config_error', async () => {
    await expectFailure(() => fetchConfig(opts(fleet.devices[0].name, 'ssh', 'no-such-driver')), 'unknown_driver');
    await expectFailure(() => fetchConfig({ ...opts(fleet.devices[0].name, 'telnet'), driver: { ...syntheticIosDriver, protocols: ['ssh'] } }), 'config_error');
  });
});

// Expected class and the deadline within which it must come (ms after the start).
const EXPECT: Record<Misbehaviour, { cls: FailureClass; within: number; telnet?: FailureClass }> = {
  hang: { cls: 'timeout', within: TIMEOUTS.idleMs + 1500 },
  'wrong-password': { cls: 'auth_failed', within: 1500 },
  drop: { cls: 'connection_reset', within: 1500 },
  garbage: { cls: 'protocol_error', within: 1500 },
  'endless-pager': { cls: 'timeout', within: TIMEOUTS.sessionMs + 1500 },
  'host-key-changed': { cls: 'host_key_changed', within: 1500 },
  'no-prompt': { cls: 'unexpected_prompt', within: TIMEOUTS.idleMs + 1500 },
  'command-rejected': { cls: 'command_rejected', within: 1500 },
  flood: { cls: 'timeout', within: TIMEOUTS.sessionMs + 1500 },
};

describe('misbehaving devices give the right failure class within the deadline, leaving nothing open', () => {
  for (const m of MISBEHAVIOURS) {
    for (const protocol of ['ssh', 'telnet'] as const) {
      if (protocol === 'telnet' && m === 'host-key-changed') continue; // telnet has no host key
      it(`${m} over ${protocol}`, async () => {
        const before = handles();
        const t0 = Date.now();
        const e = await expectFailure(() => fetchConfig(opts(nameOf(m), protocol)), EXPECT[m].cls);
        expect(Date.now() - t0).toBeLessThan(EXPECT[m].within);
        expect(e.toLine().startsWith(`${e.toLine().split(':')[0]}:`)).toBe(true);
        expect(e.message.length).toBeGreaterThan(20);
        await expectNoLeaks(before);
      });
    }
  }
});
