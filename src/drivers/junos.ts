// Juniper Junos. Port of Oxidized's `junos` model: SSH exec mode; screen-scraping over
// telnet (or with the option `ssh_no_exec`).

import type { Driver, DriverContext } from './types.ts';
import { commentLines, dropFirstLast, gsub, lines, rb, rstripLines } from './helpers.ts';

const C = '# ';
const comment = (t: string) => commentLines(t, C);

async function post(ctx: DriverContext): Promise<string> {
  const model = String(ctx.facts.model ?? '');
  if (model === 'mx960') return ctx.cmd('show chassis fabric reachability', (c) => comment(c));
  if (/^(ex22|ex3[34]|ex4|ex8|qfx)/.test(model)) return ctx.cmd('show virtual-chassis', (c) => comment(c));
  if (/^srx/.test(model)) {
    return ctx.cmd('show chassis cluster status', (c) => (lines(c).length <= 1 && c.includes('error:') ? '' : comment(c)));
  }
  return '';
}

export const junos: Driver = {
  id: 'junos',
  aliases: ['juniper', 'junos-exec'],
  vendor: 'Juniper',
  platform: 'Junos',
  protocols: ['ssh', 'telnet'],
  mode: 'exec',
  shellFallback: true,
  prompt: rb(String.raw`^([\w.@-]+[#>]\s?)$`),
  comment: C,
  login: { username: rb('^login:'), password: rb('^Password:') },
  setup: ['set cli screen-length 0', 'set cli screen-width 0'],
  teardown: ['exit'],
  cleanup: [
    (cfg, _c, ctx) => {
      if (ctx.mode === 'shell') cfg = dropFirstLast(cfg);
      cfg = cfg.replace(rb(String.raw`  scale-subscriber (\s+)(\d+)`, 'g'), '  scale-subscriber                <count>');
      cfg = cfg.replace(rb(String.raw`VMX-BANDWIDTH\s+(\d+) (.*)`, 'g'), 'VMX-BANDWIDTH                  <count> $2');
      return rstripLines(cfg);
    },
  ],
  commands: [
    {
      command: 'show version',
      process: (cfg, ctx) => {
        const m = rb(String.raw`^Model: (\S+)`).exec(cfg);
        if (m) ctx.facts.model ??= m[1];
        const v = rb(String.raw`^Junos: (\S+)`).exec(cfg);
        if (v) ctx.facts.osVersion ??= v[1];
        return comment(cfg);
      },
    },
    {
      command: 'show chassis hardware',
      process: (cfg, ctx) => {
        const s = rb(String.raw`^Chassis\s+(\S+)`).exec(cfg);
        if (s) ctx.facts.serial ??= s[1];
        return comment(cfg);
      },
    },
    {
      command: 'show system license',
      process: (cfg) =>
        comment(
          cfg
            .replace(rb(String.raw`  fib[-\s]scale\s+(\d+)`, 'gi'), '  fib-scale                       <count>')
            .replace(rb(String.raw`  rib[-\s]scale\s+(\d+)`, 'gi'), '  rib-scale                       <count>'),
        ),
    },
    { command: 'show system license keys', process: (cfg) => comment(cfg) },
    { command: 'show configuration | display omit' },
    { label: 'model-dependent commands', phase: 'post', run: post },
  ],
  options: { ssh_no_exec: { type: 'boolean', description: 'screen-scrape over an SSH shell instead of exec channels' } },
  secrets: [
    gsub(rb(String.raw`community (\S+) {`), 'community <hidden> {'),
    gsub(rb(String.raw`(ssh-(rsa|dsa|ecdsa|ecdsa-sk|ed25519|ed25519-sk) )".*; ## SECRET-DATA`), '<secret removed>'),
    gsub(rb(String.raw` "\$\d\$\S+; ## SECRET-DATA`), ' <secret removed>;'),
    gsub(rb(String.raw`((?:ftp|pasvftp|sftp|scp|https?):\/\/[^\/@"]+):[^@"]+@`), '$1:<secret removed>@'),
  ],
  restore: {
    method: 'replace',
    notes:
      'the config is copied by SCP to /var/tmp/, then `load override` and `commit confirmed N`; netkeep confirms with `commit` only once the config it reads back ' +
      'matches, else it rolls back (`rollback 1`, `commit`) — and Junos rolls back by itself after N minutes if netkeep cannot reach it',
    replaceFile: '/var/tmp/netkeep-restore.conf',
    replace: (path, o) => ['configure exclusive', `load override ${path}`, `commit confirmed ${o.confirmMinutes}`, 'exit configuration-mode'],
    confirm: ['configure exclusive', 'commit', 'exit configuration-mode'],
    rollback: ['configure exclusive', 'rollback 1', 'commit', 'exit configuration-mode'],
    abandon: ['rollback 0', 'exit configuration-mode'],
    merge: false,
    rejected: /^\s*(error:[^\n]*|[^\n]*syntax error[^\n]*|load complete \(\d+ errors?\))$/im,
    commentLine: /^\s*#/,
  },
};
