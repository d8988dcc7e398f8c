// Garderos GRS routers. Port of Oxidized's `garderos` model.

import type { Driver } from './types.ts';
import { commentLines, dropFirstLast, ESC_CODES, rb } from './helpers.ts';

const C = '# ';

export const garderos: Driver = {
  id: 'garderos',
  vendor: 'Garderos',
  platform: 'GRS',
  protocols: ['ssh'],
  mode: 'shell',
  // Upstream's prompt is unanchored (/[\w-]+# /); here it is tested on the last line.
  prompt: rb(String.raw`[\w-]+# `),
  comment: C,
  expect: [{ pattern: ESC_CODES }],
  teardown: ['exit'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [
    { command: 'show system version', process: (cfg) => commentLines(cfg + '\n', C) },
    { command: 'show system serial', process: (cfg) => commentLines(cfg + '\n', C) },
    { command: 'show hardware wwan wwan0 sim', process: (cfg) => (cfg.startsWith('Unknown command') ? '' : commentLines(cfg + '\n', C)) },
    { command: 'show configuration running' },
  ],
};
