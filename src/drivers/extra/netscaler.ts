// Citrix (Cloud Software Group) NetScaler ADC, nscli prompt "> ". With admin partitions
// the ns.conf of every partition is collected.
import type { Driver, DriverContext } from '../types.ts';
import { commentLines, sliceLines } from '../helpers.ts';

async function partitions(ctx: DriverContext): Promise<string> {
  const list = await ctx.cmd('show partition');
  const names = ['default', ...[...list.matchAll(/Name: (\S+)$/gm)].map((m) => m[1])];
  let all = '';
  for (const p of names) {
    all += `\n\n####################### [ partition ${p} ] #######################\n\n`;
    all += await ctx.cmd(`switch ns partition ${p}; show ns ns.conf; switch ns partition default`);
  }
  return all;
}

export const netscaler: Driver = {
  id: 'netscaler',
  aliases: ['citrix-adc', 'nsadc', 'citrix-netscaler'],
  vendor: 'Citrix / Cloud Software Group',
  platform: 'NetScaler ADC',
  protocols: ['ssh'],
  mode: 'shell',
  prompt: /^[\w.()-]*>\s?$/,
  comment: '# ',
  teardown: ['exit'],
  // echo first; " Done" and the prompt last
  cleanup: [(o) => sliceLines(o, 1, -3)],
  commands: [
    { command: 'show version', process: (o) => commentLines(o, '# ') },
    { command: 'show hardware', process: (o) => commentLines(o, '# ') },
    { command: 'show partition', process: (o, ctx) => ((ctx.state.partitions = o.includes('Name:')), commentLines(o, '# ')) },
    { command: 'show ns ns.conf', when: (ctx) => !ctx.state.partitions, phase: 'post' },
    { run: partitions, when: (ctx) => !!ctx.state.partitions, phase: 'post', label: 'ns.conf of every partition' },
  ],
  facts: [
    { fact: 'osVersion', command: 'show version', pattern: /NetScaler NS([\d.]+: Build [\d.]*\d)/ },
    { fact: 'serial', command: 'show hardware', pattern: /Serial no: (\S+)/ },
  ],
  secrets: [{ pattern: /\w+\s(-encrypted)/g, replace: '<secret hidden> $1' }],
};
