// Eaton Gigabit Network Card (Network-M3): JSON configuration over SSH exec.
// Port of Oxidized's `eatonnetwork` model.

import { NetkeepError } from '../errors.ts';
import type { Driver } from './types.ts';
import { lines } from './helpers.ts';

type Json = any;

function del(obj: Json, path: string[]): void {
  let o = obj;
  for (let i = 0; i < path.length - 1; i++) {
    if (o === null || typeof o !== 'object') return;
    o = o[path[i]];
  }
  if (o && typeof o === 'object') delete o[path[path.length - 1]];
}

function get(obj: Json, path: string[]): Json {
  let o = obj;
  for (const k of path) {
    if (o === null || typeof o !== 'object') return undefined;
    o = o[k];
  }
  return o;
}

function parse(text: string): Json {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new NetkeepError('protocol_error', `the card did not answer with a JSON configuration (${(err as Error).message}); check the firmware (Network-M3 2.x) and that the user may run save_configuration`);
  }
}

const LOCAL = ['features', 'userAndSessionManagement', 'data', 'settings', 'all', '1.0', 'local', '1.0'];
const ALL = ['features', 'userAndSessionManagement', 'data', 'settings', 'all', '1.0'];

export const eatonnetwork: Driver = {
  id: 'eatonnetwork',
  aliases: ['eaton', 'network-m3'],
  vendor: 'Eaton',
  platform: 'Network-M3 UPS card',
  protocols: ['ssh'],
  mode: 'exec',
  // exec mode: no prompt is ever matched; this one only serves a shell fallback nobody uses
  prompt: /^([\w.@-]+[#>]\s?)$/,
  cleanup: [
    (cfg) => {
      const json = parse(lines(cfg).filter((l) => l.startsWith('{')).join(''));
      const local = get(json, LOCAL);
      const accounts = [...(local?.predefinedAccounts ?? []), ...(local?.createdAccounts ?? [])];
      for (const a of accounts) {
        if (a && typeof a === 'object') {
          delete a.attemptLogin;
          if (a.password && typeof a.password === 'object') delete a.password.history;
        }
      }
      return JSON.stringify(json, null, 2);
    },
  ],
  commands: [
    {
      // The password is the passphrase the card encrypts secret fields with.
      command: (ctx) => `save_configuration -p ${ctx.password ?? ''}`,
      phase: 'post',
    },
  ],
  secrets: [
    (text) => {
      const json = parse(text);
      delete json.passphrase;
      for (const k of ['proxyUsername', 'proxyPassword', 'username', 'password', 'defaultPassword']) del(json, ['features', 'rms', 'data', 'settings', k]);
      del(json, ['features', 'smtp', 'data', 'dmeData', 'password']);
      for (const u of get(json, ['features', 'snmp', 'data', 'dmeData', 'v3', 'users']) ?? []) {
        del(u, ['auth', 'password']);
        del(u, ['priv', 'password']);
      }
      del(json, [...ALL, 'ldap', '1.0', 'settings', 'connectivity', 'bind', 'password']);
      del(json, [...ALL, 'radius', '1.0', 'settings', 'connectivity', 'primaryServer', 'secret']);
      del(json, [...ALL, 'radius', '1.0', 'settings', 'connectivity', 'secondaryServer', 'secret']);
      for (const p of get(json, ['features', 'peripherals', 'data', 'dmeData', 'ethernet', 'ports']) ?? []) {
        del(p, ['dot1x', 'peap', 'password']);
      }
      return JSON.stringify(json, null, 2);
    },
  ],
  restore: { method: 'replace', notes: 'restore_configuration with the same passphrase' },
};
