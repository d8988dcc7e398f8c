// Netgate TNSR. Port of Oxidized's `tnsr` model.

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, gsub, rb } from './helpers.ts';

const C = '! ';

export const tnsr: Driver = {
  id: 'tnsr',
  vendor: 'Netgate',
  platform: 'TNSR',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^((\x08{8}\x20{8}\x08{8})?\r?[\w-]+\stnsr#\s?)$`),
  comment: C,
  expect: [{ pattern: rb('^--More--|--More--$'), send: ' ' }],
  teardown: ['exit'],
  cleanup: [
    (cfg) => cfg.replace(rb(String.raw`^\r+(.+)`, 'g'), '$1').replace(/\x08{8}\x20{8}\x08{8}/g, ''),
    (cfg) => dropFirstLast(cfg),
  ],
  commands: [
    {
      command: 'show version all',
      fallback: { when: rb('^CLI syntax error:.+Unknown command$'), command: 'show version' },
      process: (cfg) => commentLines(cfg, C),
    },
    { command: 'show configuration running cli' },
  ],
  secrets: [
    gsub(rb(String.raw`(password( \d+)?) (\S+).*`), '$1 <secret hidden>'),
    gsub(rb(String.raw`^(snmp community community-name )\S+ (.*)?`), '$1 <configuration removed> $2'),
  ],
  restore: { method: 'merge' },
};
