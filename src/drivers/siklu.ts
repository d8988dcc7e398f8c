// Siklu EtherHaul radios. Written for netkeep in the spirit of Oxidized's `siklu` model;
// only its prompt is covered by a recording (prompt.yaml).

import type { Driver } from './types.ts';
import { dropFirstLast, rb } from './helpers.ts';

export const siklu: Driver = {
  id: 'siklu',
  aliases: ['etherhaul'],
  vendor: 'Siklu',
  platform: 'EtherHaul',
  protocols: ['ssh'],
  mode: 'shell',
  // "111Cedar-NYArtCenter_(111)>"
  prompt: rb(String.raw`^[\w.()-]+>\s?$`),
  comment: '# ',
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [{ command: 'copy running-configuration display' }],
  restore: { method: 'replace' },
  notes: 'Prompt verified against recorded prompts only; commands not yet verified on a recording.',
};
