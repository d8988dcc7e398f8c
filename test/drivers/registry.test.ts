import { describe, expect, it } from 'vitest';
import { CORE_DRIVERS, DRIVERS, NAME_CONFLICTS, findDriver, getDriver, listDrivers } from '../../src/drivers/index.ts';
import { NetkeepError } from '../../src/errors.ts';

const RECORDED = [
  'aoscx', 'aosw', 'apcaos', 'arubainstant', 'asa', 'cumulus', 'eatonnetwork', 'efos', 'eos', 'firelinuxos', 'fortigate', 'fortios',
  'fsos', 'garderos', 'ios', 'junos', 'nxos', 'opnsense', 'quantaos', 'routeros', 'smartbyte', 'tnsr', 'vsololt', 'vyos',
  'aos7', 'asyncos', 'fastiron', 'firewareos', 'linuxgeneric', 'mtrlrfs', 'siklu',
];

describe('driver registry', () => {
  it('has a core driver for every recorded Oxidized model, with the model name as id', () => {
    for (const m of RECORDED) expect(findDriver(m)?.id, m).toBe(m);
    expect(CORE_DRIVERS.length).toBe(RECORDED.length);
  });

  it('has no id or alias claimed twice (core and extra drivers together)', () => {
    expect(NAME_CONFLICTS).toEqual([]);
  });

  it('finds by alias, case-insensitively', () => {
    expect(getDriver('Cisco-IOS').id).toBe('ios');
    expect(getDriver(' MikroTik ').id).toBe('routeros');
  });

  it('throws unknown_driver with a hint', () => {
    let err: unknown;
    try {
      getDriver('no-such-box');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetkeepError);
    expect((err as NetkeepError).failureClass).toBe('unknown_driver');
    expect((err as NetkeepError).message).toMatch(/netkeep drivers/);
  });

  it('lists every driver sorted, with vendor, protocols and mode', () => {
    const l = listDrivers();
    expect(l.length).toBe(DRIVERS.length);
    expect(l.map((d) => d.id)).toEqual([...l.map((d) => d.id)].sort((a, b) => a.localeCompare(b)));
    const junos = l.find((d) => d.id === 'junos')!;
    expect(junos).toMatchObject({ vendor: 'Juniper', mode: 'exec', protocols: ['ssh', 'telnet'] });
  });

  it('every driver is well-formed data', () => {
    for (const d of DRIVERS) {
      expect(d.id, d.id).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
      expect(d.protocols.length, d.id).toBeGreaterThan(0);
      expect(d.prompt.flags.includes('g'), `${d.id} prompt must not be global`).toBe(false);
      expect(d.commands.length, d.id).toBeGreaterThan(0);
    }
  });
});
