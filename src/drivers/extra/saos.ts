// Ciena SAOS 6.x (39xx/51xx service delivery and aggregation switches).
// The prompt gets a "*" when the configuration has unsaved changes.
import type { Driver } from '../types.ts';
import { dropFirstLast, rejectLines } from '../helpers.ts';

export const saos: Driver = {
  id: 'saos',
  aliases: ['ciena', 'ciena-saos', 'saos6'],
  vendor: 'Ciena',
  platform: 'SAOS 6',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: /^[\w.@-]+\*?[#>]\s?$/,
  comment: '! ',
  login: { username: /login:\s*$/, password: /assword:\s*$/ },
  setup: ['system shell session set more off'],
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    // "! Created: <date>" changes on every run
    { command: 'configuration show', process: (o) => rejectLines(o, /^! Created:/) },
  ],
  facts: [
    { fact: 'model', command: 'configuration show', pattern: /^! Platform:\s+(\S+)/m },
    { fact: 'osVersion', command: 'configuration show', pattern: /^! Software:\s+(\S+)/m },
  ],
  secrets: [
    { pattern: /^(user create user \S+ access-level \S+ secret) \S+/gm, replace: '$1 <secret hidden>' },
    { pattern: /(community|auth-key|priv-key|secret) \S+/g, replace: '$1 <secret hidden>' },
  ],
  notes: 'SAOS 10 (saos10, NETCONF-based) is not covered. The "! Created:" header line is removed.',
};
