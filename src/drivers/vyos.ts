// VyOS. Port of Oxidized's `vyos` model.

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, ESC_CODES, gsub, rb } from './helpers.ts';

const C = '# ';

export const vyos: Driver = {
  id: 'vyos',
  aliases: ['vyatta'],
  vendor: 'VyOS',
  platform: 'VyOS',
  protocols: ['ssh'],
  mode: 'shell',
  prompt: rb(String.raw`^\S+@\S+(:~\$|>) $`),
  comment: C,
  expect: [{ pattern: ESC_CODES }],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    { command: 'show version', process: (cfg) => commentLines(cfg, C) },
    { command: 'show configuration commands | no-more' },
  ],
  facts: [{ fact: 'osVersion', command: 'show version', pattern: rb(String.raw`^Version:\s+(?:VyOS\s+)?(\S+)`) }],
  secrets: [
    gsub(rb(String.raw`secret (\S+).*`), 'secret <secret removed>'),
    gsub(rb(String.raw`password (\S+).*`), 'password <secret removed>'),
    gsub(rb(String.raw`snmp community (\S+)`), 'snmp community <secret removed>'),
    gsub(rb(String.raw`snmp trap-target ([^\s\\]*) community (\S+)`), 'snmp trap-target $1 community <secret removed>'),
    gsub(rb(String.raw`preshared-key (\S+).*`), 'preshared-key <secret removed>'),
    gsub(rb(String.raw`private key (\S+).*`), 'private key <secret removed>'),
    gsub(rb(String.raw`private-key (\S+).*`), 'private-key <secret removed>'),
    gsub(rb(String.raw`([a-z]+:\/\/[^:\s]+:)\S+@`), '$1<secret removed>@'),
  ],
  restore: { method: 'replace', notes: 'load + commit' },
};
