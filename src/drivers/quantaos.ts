// Quanta switches (QuantaOS). Port of Oxidized's `quantaos` model.

import type { Driver } from './types.ts';
import { dropFirstLast, rb, rejectLines } from './helpers.ts';

export const quantaos: Driver = {
  id: 'quantaos',
  aliases: ['quanta'],
  vendor: 'Quanta',
  platform: 'QuantaOS',
  protocols: ['ssh', 'telnet'],
  mode: 'shell',
  prompt: rb(String.raw`^\(\S+\) (>|#)$`),
  comment: '! ',
  login: { username: rb('^User(name)?:'), password: rb('^Password:') },
  // Always enters enable; answers the password prompt with the enable password or an empty line.
  enable: { command: 'enable', raw: false, always: true, alwaysAnswerPassword: true },
  setup: ['terminal length 0'],
  teardown: ['quit', 'n'],
  cleanup: [(cfg) => dropFirstLast(cfg)],
  commands: [{ command: 'show run', process: (cfg) => rejectLines(cfg, rb('^!')) }],
  restore: { method: 'merge' },
};
