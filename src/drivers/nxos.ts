// Cisco NX-OS. Port of Oxidized's `nxos` model (output compatible).

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, gsub, lines, matches, rb } from './helpers.ts';

const C = '! ';

export const nxos: Driver = {
  id: 'nxos',
  aliases: ['cisco-nxos', 'nx-os'],
  vendor: 'Cisco',
  platform: 'NX-OS',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^(\r?[\w.@_()-]+\#\s?)$`),
  comment: C,
  login: { username: rb('^login:'), password: rb('^Password:') },
  setup: ['terminal length 0'],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    {
      command: 'show version',
      process: (cfg) => {
        const ls = lines(cfg);
        const stop = rb(String.raw`uptime|bootflash:\s+\d+\skB|sysmgrcli_show_flash_size`, 'i');
        const idx = ls.findIndex((l) => matches(stop, l));
        return commentLines((idx < 0 ? ls : ls.slice(0, idx)).join('') + '\n', C);
      },
    },
    {
      command: 'show inventory all',
      fallback: { when: rb(String.raw`^% Invalid .* at '\^' marker\.`), command: 'show inventory' },
      process: (cfg) => commentLines(cfg, C),
    },
    {
      command: 'show running-config',
      process: (cfg) =>
        cfg
          .replace(rb('^(show run.*)$', 'g'), '! $1')
          .replace(rb(String.raw`^!Time:[^\n]*\n`, 'g'), '')
          .replace(rb(String.raw`^[\w.@_()-]+\#.*$`, 'g'), ''),
    },
  ],
  facts: [
    { fact: 'serial', command: 'show version', pattern: rb(String.raw`Processor Board ID (\S+)`, 'i') },
    { fact: 'osVersion', command: 'show version', pattern: rb(String.raw`^\s*NXOS: version (\S+)`) },
    { fact: 'model', command: 'show version', pattern: rb(String.raw`^\s*cisco (Nexus\s?\S+.*?) (?:[cC]hassis|[sS]upervisor)`) },
  ],
  secrets: [
    gsub(rb(String.raw`^(snmp-server community).*`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(snmp-server user \S+ \S+ auth \S+) \S+ (priv \S+) \S+ `), '$1 <secret hidden> $2 <secret hidden> '),
    gsub(rb(String.raw`^(snmp-server host.*? )\S+( udp-port \d+)?$`), '$1<secret hidden>$2'),
    gsub(rb(String.raw`^(snmp-server mib community-map) \S+ ?(.*)`), '$1 <secret hidden> $2'),
    gsub(rb(String.raw`(password \d+) (\S+)`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(radius-server .*key(?: \d+)?) \S+`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(tacacs-server .*key(?: \d+)?) \S+`), '$1 <secret hidden>'),
  ],
  restore: {
    method: 'replace',
    notes:
      'replace (NX-OS 9.2+): the config is copied by SCP to bootflash:, then `configure replace … commit-timeout N`; netkeep confirms with ' +
      '`configure replace commit` once the config it reads back matches, else NX-OS rolls back when the timeout ends',
    replaceFile: 'bootflash:netkeep-restore.cfg',
    replace: (path, o) => [`configure replace ${path} commit-timeout ${o.confirmMinutes * 60}`],
    confirm: ['configure replace commit'],
    rejected: /^\s*(% ?(Invalid|Incomplete|Ambiguous|Error)[^\n]*|[^\n]*Rollback Status\s*:\s*Failed[^\n]*|ERROR:[^\n]*)$/im,
    commentLine: /^\s*!/,
  },
};
