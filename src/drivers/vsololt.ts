// VSOL GPON OLT. Port of Oxidized's `vsololt` model.

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, gsub, rb } from './helpers.ts';

const C = '! ';

export const vsololt: Driver = {
  id: 'vsololt',
  aliases: ['vsol'],
  vendor: 'VSOL',
  platform: 'GPON OLT',
  protocols: ['ssh'],
  mode: 'shell',
  prompt: rb(String.raw`^([\w.@|()\/-]+[#>]\s?)$`),
  comment: C,
  enable: {
    command: 'enable',
    always: true,
    passwordPrompt: rb(String.raw`[pP]assword:\s*$`),
    password: 'enable-or-login',
    alwaysAnswerPassword: true,
    prompt: rb(String.raw`[#>]\s*$`),
  },
  expect: [{ pattern: /\x20*--More--\x20*\x00?/, send: ' ' }],
  setup: ['configure terminal'],
  teardown: ['end', 'exit'],
  cleanup: [
    (cfg) =>
      cfg
        .replace(rb(String.raw`^\d{4}\/\d{2}\/\d{2}\s+\d{2}:\d{2}:\d{2}\s+.*$\n?`, 'g'), '')
        .replace(/\x08{10}\x20{10}\x08{10}/g, '')
        .replace(/\x00/g, ''),
    (cfg) => dropFirstLast(cfg),
  ],
  commands: [
    { command: 'show version', process: (cfg) => commentLines(cfg, C) },
    { command: 'show pon transceiver-info all', process: (cfg) => commentLines(cfg, C) },
    { command: 'show running-config', process: (cfg) => cfg.replace(/(?:\r?\n[ \t]*){2,}/g, '\n') },
  ],
  secrets: [
    gsub(rb(String.raw`^(snmp-server .*community) \S+`), '$1 <secret hidden>'),
    gsub(rb(String.raw`(login-password)\s+\S+`), '$1 <secret hidden>'),
    gsub(rb(String.raw`(enable-password)\s+\S+`), '$1 <secret hidden>'),
    gsub(rb(String.raw`(username \S+ enable \S+)\s+\S+`), '$1 <secret hidden>'),
    gsub(rb(String.raw`(user_control enable \S+)\s+\S+`), '$1 <secret hidden>'),
    gsub(rb(String.raw`(shared_key)\s+\S+`), '$1 <secret hidden>'),
  ],
};
