// Dell Enterprise SONiC (and other SONiC distributions with the management-framework
// "sonic-cli"). A login landing in the Linux shell is moved to sonic-cli with option admin.
import type { Driver } from '../types.ts';
import { dropFirstLast, rejectLines } from '../helpers.ts';

const header = (name: string) => `\n##### ${name} #####\n`;

export const enterprisesonic: Driver = {
  id: 'enterprisesonic',
  aliases: ['enterprise_sonic', 'dell-sonic'],
  vendor: 'Dell Technologies (SONiC)',
  platform: 'Enterprise SONiC (sonic-cli)',
  protocols: ['ssh'],
  mode: 'shell',
  prompt: /^(?:[\w.-]+@[\w.-]+:[~\w\/-]+\$|[\w.-]+#)\s*$/,
  comment: '# ',
  expect: [{ pattern: /\x1b\[[0-?]*[ -\/]*[@-~]\r?/g }],
  options: { admin: { type: 'boolean', description: 'the user lands in the Linux shell: start sonic-cli first' } },
  setup: [{ send: 'sonic-cli', when: (ctx) => ctx.vars.admin === true }, 'terminal length 0'],
  teardown: ['exit'],
  cleanup: [(o) => dropFirstLast(o)],
  commands: [
    { command: 'show version', process: (o) => header('VERSION') + rejectLines(o, /Uptime/) },
    { command: 'show platform syseeprom', process: (o) => header('SYSEEPROM') + o },
    { command: 'show running-configuration', phase: 'post', process: (o) => header('CONFIGURATION') + o },
  ],
  facts: [
    { fact: 'osVersion', command: 'show version', pattern: /^Software Version\s*: (\S+)/m },
    { fact: 'serial', command: 'show version', pattern: /^Serial Number\s*: (\S+)/m },
    { fact: 'model', command: 'show platform syseeprom', pattern: /^Product Name\s+0x21\s+\d+ (\S+)/m },
  ],
  secrets: [{ pattern: /^(username \S+ password) \S+/gm, replace: '$1 <secret hidden>' }],
  notes: 'Community SONiC without sonic-cli (Linux shell + config_db.json) is not covered.',
};
