// Arista EOS. Port of Oxidized's `eos` model (output compatible).

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, gsub, rb } from './helpers.ts';

const C = '! ';

export const eos: Driver = {
  id: 'eos',
  aliases: ['arista-eos', 'arista'],
  vendor: 'Arista',
  platform: 'EOS',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb('^.+[#>]$'),
  comment: C,
  enable: { command: 'enable', passwordPrompt: rb(String.raw`[pP]assword:\s?$`), prompt: rb(String.raw`^.+[#>]\s?$`) },
  // Oxidized sends `terminal length 0` only after enable; paging is avoided with `| no-more`.
  setup: [{ send: 'terminal length 0', when: (ctx) => ctx.enable !== false }],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    { command: 'show inventory | no-more', process: (cfg) => commentLines(cfg, C) },
    { command: 'show running-config | no-more | exclude ! Time:' },
  ],
  facts: [
    { fact: 'model', command: 'show inventory | no-more', pattern: rb(String.raw`^\s+Model\s+Description\s*\n\s+-+[ -]*\n\s+(\S+)`) },
    { fact: 'serial', command: 'show inventory | no-more', pattern: rb(String.raw`^\s+HW Version\s+Serial Number[^\n]*\n\s+-[^\n]*\n\s+\S+\s+(\S+)`) },
    { fact: 'osVersion', command: 'show running-config | no-more | exclude ! Time:', pattern: rb(String.raw`^! device: \S+ \([^,]+, EOS-(\S+)\)`) },
  ],
  secrets: [
    gsub(rb(String.raw`^(snmp-server community).*`), '$1 <configuration removed>'),
    gsub(rb(String.raw`^(snmp-server host \S+( vrf \S+)?( informs?| traps?)?( version (1|2c|3 (?:noauth|auth|priv)))?) \S+(.*)`), '$1 <secret hidden>$6'),
    gsub(rb(String.raw`(secret \w+) (\S+).*`), '$1 <secret hidden>'),
    gsub(rb(String.raw`(password \d+) (\S+).*`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(enable (?:secret|password)).*`), '$1 <configuration removed>'),
    gsub(rb(String.raw`^(service unsupported-transceiver).*`), '$1 <license key removed>'),
    gsub(rb(String.raw`^(tacacs-server key \d+).*`), '$1 <configuration removed>'),
    gsub(rb(String.raw`^(radius-server .+ key \d) \S+`), '$1 <radius secret hidden>'),
    gsub(rb(String.raw`( {6}key) (\h+ 7) (\h+).*`), '$1 <secret hidden>'),
    gsub(rb(String.raw`(localized|auth (md5|sha\d{0,3})|priv (des|aes\d{0,3})) \S+`), '$1 <secret hidden>'),
  ],
  restore: {
    method: 'replace',
    notes:
      'replace: the config is copied by SCP to flash:, then `configure replace` makes it the running config (EOS applies it through a config session: ' +
      'a config with an error is not applied at all); merge: the lines are typed in `configure` on top of the running config',
    replaceFile: 'flash:netkeep-restore.cfg',
    replace: (path) => [`configure replace ${path}`],
    mergeEnter: ['configure'],
    rejected: /^\s*%[^\n]*$/m,
    commentLine: /^\s*!/,
  },
};
