// FS.com (Fiberstore) FSOS. Port of Oxidized's `fsos` model (output compatible: the
// backup keeps the echo of `show version` and ends with the bare prompt, as upstream).

import type { Driver } from './types.ts';
import { commentLines, gsub, rb, rejectLines, sliceLines } from './helpers.ts';

const C = '! ';

export const fsos: Driver = {
  id: 'fsos',
  aliases: ['fs', 'fscom'],
  vendor: 'FS.com',
  platform: 'FSOS',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^([\w.@()-]+[#>]\s?)$`),
  comment: C,
  login: { username: rb('^Username:'), password: rb('^Password:') },
  expect: [{ pattern: rb(String.raw`^ --More--.*$`), send: ' ' }],
  setup: ['enable', 'terminal length 0', 'terminal width 0'],
  teardown: ['exit', 'exit'],
  commands: [
    { command: 'show version', process: (cfg) => commentLines(rejectLines(cfg, 'uptime is', 'System uptime'), C) },
    { command: 'show running-config', process: (cfg) => sliceLines(cfg.replace(rb(String.raw`^Building configuration.*\n`, 'g'), ''), 1) },
  ],
  secrets: [
    gsub(rb(String.raw`(secret \w+) (\S+).*`), '$1 <secret hidden>'),
    gsub(rb(String.raw`(password \d+) (\S+).*`), '$1 <secret hidden>'),
    gsub(rb(String.raw`(snmp-server community \d+) (\S+).*`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(snmp-server host \S+( udp-port \d+)?( permit|deny \d+)?( informs?)?( traps?)?(( version v3 (priv|auth|noauth))|( version (v1|v2c))?)) +\S+( .*)?$*`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(snmp-server user \S+ \S+ v3( priv (des|aes128|aes256|aes256-c))?( auth (md5|sha|sha256) \d+)) +\S+( .*)?$*`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(.*key \d+) (\S+).*`), '$1 <secret hidden>'),
  ],
  restore: { method: 'merge' },
};
