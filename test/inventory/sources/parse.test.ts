// The parsers of every source on their own: Oxidized and RANCID router.db, the CSV wrapper, and
// NetBox's device objects (from the recorded pages) → records, per-line errors and skipped devices.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsvSource } from '../../../src/inventory/sources/csv.ts';
import { checkNetboxConfig, netboxRecords, type NetboxDevice } from '../../../src/inventory/sources/netbox.ts';
import { driverForModel, parseOxidizedRouterDb } from '../../../src/inventory/sources/oxidized.ts';
import { parseRancidRouterDb } from '../../../src/inventory/sources/rancid.ts';
import { checkSourceConfig } from '../../../src/inventory/sources/store.ts';
import { FIXTURES } from './netbox-server.ts';

const pages = (state: string): NetboxDevice[] =>
  ['offset-0.json', 'offset-3.json', 'offset-6.json'].flatMap((f) => {
    try {
      return (JSON.parse(readFileSync(join(FIXTURES, state, f), 'utf8')) as { results: NetboxDevice[] }).results;
    } catch {
      return [];
    }
  });

describe('Oxidized router.db', () => {
  it('reads the default name:model format, skipping comments and blank lines', () => {
    const p = parseOxidizedRouterDb('# core\nrtr1.example.net:ios\n\nsw1:junos\nfw1:apc_aos\n  # indented comment\n');
    expect(p.errors).toEqual([]);
    expect(p.records.map((r) => [r.line, r.name, r.address, r.driver, r.key])).toEqual([
      [2, 'rtr1.example.net', 'rtr1.example.net', 'ios', 'rtr1.example.net'],
      [4, 'sw1', 'sw1', 'junos', 'sw1'],
      [5, 'fw1', 'fw1', 'apcaos', 'fw1'],
    ]);
  });

  it('takes a delimiter (string or /regex/), a field map, vars_map enable and model_map like Oxidized', () => {
    const cfg = { delimiter: '/[|]/', map: { name: 0, ip: 1, model: 2, username: 3, password: 4, group: 5 }, vars_map: { enable: 6 }, model_map: { cisco: 'nxos', juniper: 'junos' } };
    const p = parseOxidizedRouterDb('rtr01.local|192.168.1.1|cisco|oxidized|5uP3R:53cR3T|core|T0p53cR3t\nsw2|2001:db8::2|juniper\n', cfg);
    expect(p.errors).toEqual([]);
    expect(p.records[0]).toMatchObject({ name: 'rtr01.local', address: '192.168.1.1', driver: 'nxos', username: 'oxidized', password: '5uP3R:53cR3T', enable_password: 'T0p53cR3t', group: 'core' });
    expect(p.records[1]).toMatchObject({ name: 'sw2', address: '2001:db8::2', driver: 'junos', group: null });
    expect(p.records[1]!.username).toBeUndefined();
    expect(driverForModel('IOS')).toBe('ios');
  });

  it('reports every bad line with its number and keeps no record of a bad line', () => {
    const p = parseOxidizedRouterDb('good1:ios\nbad name:ios\nnomodel\nx1:frobos\ngood1:eos\n:ios\n');
    expect(p.errors).toEqual([
      { line: 2, message: expect.stringMatching(/device name "bad name" is not valid/) },
      { line: 3, message: expect.stringMatching(/has 1 field, but the map puts name in column 0 and model in column 1 \(counting from 0\); check the delimiter/) },
      { line: 4, message: expect.stringMatching(/model "frobos" has no netkeep driver; add it to the source's model_map/) },
      { line: 5, message: 'device "good1" is also on line 1; keep one line per device' },
      { line: 6, message: expect.stringMatching(/device name "" is not valid/) },
    ]);
    expect(p.records.map((r) => r.name)).toEqual(['good1']);
  });

  it('refuses settings Oxidized would not understand, with the reason', () => {
    expect(() => checkSourceConfig('oxidized', { path: '/x', map: { model: 1 } })).toThrow(/map needs the column of "name"/);
    expect(() => checkSourceConfig('oxidized', { path: '/x', map: { name: 0, colour: 2 } })).toThrow(/unknown field "colour"/);
    expect(() => checkSourceConfig('oxidized', { path: '/x', delimiter: '/[/' })).toThrow(/not a valid regular expression/);
    expect(() => checkSourceConfig('oxidized', { path: '/x', model_map: { acme: 'acmeos' } })).toThrow(/"acme" maps to "acmeos", which is no netkeep driver/);
    expect(() => checkSourceConfig('oxidized', { path: 'router.db' })).toThrow(/absolute path/);
    expect(() => checkSourceConfig('rancid', { path: '/x', url: 'https://n' })).toThrow(/has no setting "url"/);
  });
});

describe('RANCID router.db', () => {
  it('reads name;type;state (RANCID 3) and name:type:state (older), up → enabled, down → disabled', () => {
    const p = parseRancidRouterDb('core1.example.net;cisco;up\nedge1;juniper;down;RMA pending\n# old style\nsw1:arista:up\n2001:db8::5;cisco-nx;UP\n');
    expect(p.errors).toEqual([]);
    expect(p.records.map((r) => [r.name, r.driver, r.enabled])).toEqual([
      ['core1.example.net', 'ios', true],
      ['edge1', 'junos', false],
      ['sw1', 'eos', true],
      ['2001:db8::5', 'nxos', true],
    ]);
  });

  it('reports unknown types, bad states and short lines by line; a type_map adds types', () => {
    const p = parseRancidRouterDb('a1;cisco;up\na2;acme;up\na3;cisco;maybe\na4;cisco\n', { type_map: { acme: 'ios' } });
    expect(p.records.map((r) => r.name)).toEqual(['a1', 'a2']);
    expect(p.errors).toEqual([
      { line: 3, message: expect.stringMatching(/state "maybe" is neither "up" nor "down"/) },
      { line: 4, message: expect.stringMatching(/has 2 fields; a router.db line is name;type;state/) },
    ]);
    expect(parseRancidRouterDb('b1;acme;up\n').errors[0]!.message).toMatch(/RANCID type "acme" has no netkeep driver; add it to the source's type_map/);
  });
});

describe('CSV source', () => {
  it('is the device CSV importer keyed by name', () => {
    const p = parseCsvSource('name,address,driver,group\nr1,192.0.2.1,ios,core\n');
    expect(p.records).toEqual([expect.objectContaining({ line: 2, key: 'r1', name: 'r1', address: '192.0.2.1', driver: 'ios', group: 'core' })]);
    expect(parseCsvSource('name,address,driver\nr1,192.0.2.1,nope\n').errors).toEqual([{ line: 2, message: expect.stringMatching(/no driver "nope"/) }]);
  });
});

describe('NetBox devices', () => {
  const cfg = checkNetboxConfig({ url: 'https://netbox.example.net/' });

  it('keeps active devices with a platform and a primary IP; address without prefix length; site → group', () => {
    const p = netboxRecords(pages('initial'), cfg);
    expect(p.errors).toEqual([]);
    expect(p.records.map((r) => [r.key, r.name, r.address, r.driver, r.group, r.site, r.tags])).toEqual([
      ['101', 'ams-core-1', '192.0.2.11', 'ios', 'Amsterdam DC1', 'Amsterdam DC1', ['core']],
      ['102', 'ams-edge-1', '192.0.2.12', 'junos', 'Amsterdam DC1', 'Amsterdam DC1', ['edge', 'netkeep-group-wan']],
      ['103', 'fra-sw-1', '2001:db8:0:13::1', 'eos', 'Frankfurt DC1', 'Frankfurt DC1', []],
      ['106', 'ber-fw-1', '198.51.100.6', 'panos', 'Berlin Office', 'Berlin Office', []],
    ]);
    expect(p.skipped).toEqual([
      { line: 4, name: 'fra-pdu-1', reason: 'has no primary IP address in NetBox' },
      { line: 5, name: 'lab-old-1', reason: 'status is "planned" (taken: active)' },
    ]);
  });

  it('takes other statuses, a platform map and tags → group when configured', () => {
    const p = netboxRecords(pages('initial'), checkNetboxConfig({ url: 'https://nb', statuses: ['active', 'planned'], group_from: 'tag', platform_map: { 'cisco-ios': 'ciscosmb' } }));
    expect(p.records.find((r) => r.name === 'lab-old-1')).toMatchObject({ driver: 'ciscosmb', group: null, address: '203.0.113.5' });
    expect(p.records.find((r) => r.name === 'ams-edge-1')).toMatchObject({ group: 'wan' });
  });

  it('names the device and the fix when a platform maps to no driver', () => {
    const p = netboxRecords(pages('bad-platform'), cfg);
    expect(p.errors).toEqual([{ line: 7, message: 'NetBox device 107 "ber-widget-1": platform "acme-os" has no netkeep driver; add it to the source\'s platform_map (e.g. {"acme-os": "ios"}) or see `netkeep drivers`' }]);
  });

  it('checks its settings', () => {
    expect(() => checkNetboxConfig({})).toThrow(/needs "url"/);
    expect(() => checkNetboxConfig({ url: 'ftp://nb' })).toThrow(/must start with https:\/\//);
    expect(() => checkNetboxConfig({ url: 'https://nb', filter: 'limit=5' })).toThrow(/without limit\/offset/);
    expect(() => checkNetboxConfig({ url: 'https://nb', tls: { ca: 'nope' } })).toThrow(/PEM certificate/);
    expect(checkNetboxConfig({ url: 'https://nb.example.net/api/' }).url).toBe('https://nb.example.net');
  });
});
