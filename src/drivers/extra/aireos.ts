// Cisco AireOS wireless LAN controllers (2500/5500/8500/vWLC). The controller asks for
// "User:" and "Password:" inside the SSH shell, whatever user SSH authenticated.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, lines, strip } from '../helpers.ts';

/** Oxidized's aireos clean: blank lines and rogue/NAT noise out, each line stripped. */
function clean(text: string): string {
  const out: string[] = [];
  for (let line of lines(text)) {
    if (/^\s*$/.test(line)) continue;
    if (/rogue (?:adhoc|client) (?:alert|Unknown) [\da-f]{2}:/.test(line)) continue;
    if (/interface nat-address management set \d+.\d+.\d+.\d+/.test(line)) continue;
    if (line.startsWith('\r')) line = line.slice(1);
    out.push(strip(line));
  }
  return out.join('\n') + '\n';
}

export const aireos: Driver = {
  id: 'aireos',
  aliases: ['cisco-wlc', 'wlc'],
  vendor: 'Cisco',
  platform: 'AireOS Wireless LAN Controller',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^\([^)]+\)\s>\s?$/,
  comment: '# ',
  login: { username: /^User:\s*$/, password: /^Password:\s*$/ },
  setup: ['config paging disable'],
  teardown: ['logout', { send: 'n', raw: true }],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    { command: 'show udi', process: (o) => commentLines(clean(o), '# ') + '\n' },
    { command: 'show boot', process: (o) => commentLines(clean(o), '# ') + '\n' },
    { command: 'show run-config commands', process: (o) => clean(o) },
  ],
  facts: [
    { fact: 'model', command: 'show udi', pattern: /PID: ([^,\s]+)/ },
    { fact: 'serial', command: 'show udi', pattern: /SN: (\S+)/ },
    { fact: 'osVersion', command: 'show boot', pattern: /Primary Boot Image\.+ (\S+)/ },
  ],
  secrets: [
    { pattern: /^(snmp community create) \S+/gm, replace: '$1 <secret hidden>' },
    { pattern: /(radius (?:auth|acct) add \d+ \S+ \d+ ascii) \S+/g, replace: '$1 <secret hidden>' },
  ],
  notes: 'Logout answers "n" to "save changes?". Same cleanup as Oxidized aireos (blank lines and rogue/NAT noise removed).',
};
