// Juniper (NetScreen) ScreenOS firewalls (SSG, ISG, NS series). Prompt "host-> ".
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rejectLines } from '../helpers.ts';

export const screenos: Driver = {
  id: 'screenos',
  aliases: ['netscreen', 'juniper-screenos'],
  vendor: 'Juniper (NetScreen)',
  platform: 'ScreenOS',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^[\w.()-]+(?:\(M\)|\(B\))?->\s?$/,
  comment: '! ',
  login: { username: /^login:\s*$/, password: /^password:\s*$/ },
  setup: ['set console page 0'],
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    // "Date ..." and "Up N hours ..." change on every run
    { command: 'get system', process: (o) => commentLines(rejectLines(o, /^Date \d+\/\d+\/\d+ /, /^Up \d+ hours /), '! ') },
    { command: 'get config', process: (o) => rejectLines(o, /^Total Config size \d+:/) },
  ],
  facts: [
    { fact: 'model', command: 'get system', pattern: /^Product Name: (\S+)/m },
    { fact: 'serial', command: 'get system', pattern: /^Serial Number: ([^,\s]+)/m },
    { fact: 'osVersion', command: 'get system', pattern: /^Software Version: ([^,\s]+)/m },
  ],
  secrets: [
    { pattern: /^(set admin (?:name|password)) .*/gm, replace: '$1 <removed>' },
    { pattern: /^(set admin user .* password) \S+ (.*)/gm, replace: '$1 <removed> $2' },
    { pattern: /(secret|password|preshare) .*/g, replace: '$1 <secret hidden>' },
  ],
  notes: 'Differs from Oxidized screenos: drops echo/prompt only (Oxidized slices fixed line counts) and removes the Date/Up/Total Config size lines, which change on every run.',
};
