// Palo Alto Networks PAN-OS firewalls and Panorama, operational mode prompt "user@host> ".
// Output is framed by a blank line after the echo and one before the prompt.
import type { Driver } from '../types.ts';
import { commentLines, dropFirstLast, rb } from '../helpers.ts';
import { dropLeading, dropTrailing } from './_shared.ts';

const VOLATILE = ['^(up)?time:\\ .*$', '^app-.*?:\\ .*$', '^av-.*?:\\ .*$', '^threat-.*?:\\ .*$', '^wildfire-.*?:\\ .*$', '^wf-private.*?:\\ .*$', '^url-filtering.*?:\\ .*$', '^global-.*?:\\ .*$'].map((s) => rb(s, 'g'));

export const panos: Driver = {
  id: 'panos',
  aliases: ['pan-os', 'paloalto', 'panorama'],
  vendor: 'Palo Alto Networks',
  platform: 'PAN-OS',
  protocols: ['ssh'],
  mode: 'shell',
  prompt: /^[\w.@:()-]+>\s?$/,
  comment: '! ',
  setup: ['set cli pager off'],
  teardown: ['quit'],
  // echo + blank line, then blank line + prompt (Oxidized: lines[2..-3])
  cleanup: [(o) => dropTrailing(dropLeading(dropFirstLast(o), /^\r?\n$/), /^\r?\n$/)],
  commands: [
    {
      command: 'show system info',
      process: (o) => commentLines(VOLATILE.reduce((t, re) => t.replace(re, ''), o), '! '),
    },
    { command: 'show config running' },
  ],
  facts: [
    { fact: 'model', command: 'show system info', pattern: /^model: (\S+)/m },
    { fact: 'serial', command: 'show system info', pattern: /^serial: (\S+)/m },
    { fact: 'osVersion', command: 'show system info', pattern: /^sw-version: (\S+)/m },
  ],
  secrets: [
    { pattern: /(<phash>)[^<]*(<\/phash>)/g, replace: '$1<secret hidden>$2' },
    { pattern: /(<(?:key|password|secret|authkey|community|auth-password|priv-password)>)[^<]*(<\/)/g, replace: '$1<secret hidden>$2' },
  ],
  notes: 'Volatile lines of show system info (time, uptime, content versions) are blanked as in Oxidized panos. The API variant (panos_api) is not covered.',
};
