// MikroTik RouterOS. Port of Oxidized's `routeros` model: SSH exec mode, screen-scraping
// over telnet. (Oxidized also sends `quit` over exec; netkeep does not: it has no effect.)

import type { Driver, DriverContext } from './types.ts';
import { commentLines, dropFirstLast, keepLines, lines, matches, rb, rstripLines } from './helpers.ts';

const C = '# ';
const comment = (t: string) => commentLines(t, C);

async function exportConfig(ctx: DriverContext): Promise<string> {
  const major = Number(ctx.state.major ?? 0);
  const command = ctx.maskSecrets ? '/export hide-sensitive' : major >= 7 ? '/export show-sensitive' : '/export';
  return ctx.cmd(command, (cfg) => {
    cfg = cfg.replace(/\\\r?\n\s+/g, '');
    cfg = cfg.replaceAll('# inactive time\r\n', '');
    cfg = cfg.replace(rb(String.raw`# received packet from \S+ bad format\r\n`, 'g'), '');
    cfg = cfg.replaceAll('# poe-out status: short_circuit\r\n', '');
    cfg = cfg.replace(rb(String.raw`# poe-out status: voltage_on_poe-in\r?\n`, 'g'), '');
    cfg = cfg.replaceAll('# Firmware upgraded successfully, please reboot for changes to take effect!\r\n', '');
    cfg = cfg.replace(rb(String.raw`# \S+ not ready\r\n`, 'g'), '');
    cfg = cfg.replace(rb(String.raw`# .+ please restart the device in order to apply the new setting\r\n`, 'g'), '');
    const parts = cfg.split('\n');
    while (parts.length && parts[parts.length - 1] === '') parts.pop();
    const kept = parts.filter((l) => !matches(rb(String.raw`^#\s\w{3}\/\d{2}\/\d{4}.*$`), l) && !matches(rb(String.raw`^#\s\d{4}-\d{2}-\d{2}.*$`), l));
    return kept.join('\n') + '\n';
  });
}

export const routeros: Driver = {
  id: 'routeros',
  aliases: ['mikrotik'],
  vendor: 'MikroTik',
  platform: 'RouterOS',
  protocols: ['ssh', 'telnet'],
  mode: 'exec',
  shellFallback: true,
  prompt: rb(String.raw`\[\w+@\S+(\s+\S+)*\]\s?>\s?$`),
  comment: C,
  login: { username: rb('^Login:'), password: rb('^Password:') },
  teardown: ['quit'],
  cleanup: [
    (cfg, _c, ctx) => {
      cfg = cfg.replace(/\x1B\[([0-9]{1,3}(;[0-9]{1,3})*)?[m|K]/g, '');
      if (ctx.mode === 'shell') {
        cfg = dropFirstLast(cfg);
        cfg = cfg.replace(rb(String.raw`^\r+(.+)`, 'g'), '$1').replace(rb(String.raw`([^\r]*)\r+$`, 'g'), '$1');
      }
      return rstripLines(cfg);
    },
  ],
  commands: [
    {
      command: '/system resource print',
      process: (cfg, ctx) => {
        const b = rb(String.raw`board-name: (.+)$`).exec(cfg);
        if (b) ctx.facts.model ??= b[1].trim();
        const v = rb(String.raw`^\s*version: (\S+)`).exec(cfg);
        if (v) ctx.facts.osVersion ??= v[1];
        return comment(keepLines(cfg, rb('(version|factory-software|total-memory|cpu|cpu-count|total-hdd-space|architecture-name|board-name|platform):')));
      },
    },
    {
      command: '/system package update print',
      process: (cfg, ctx) => {
        const line = lines(cfg).find((l) => matches(rb(String.raw`installed-version:\s|current-version:\s`), l));
        if (!line) return '';
        const d = /\d/.exec(line);
        if (d) ctx.state.major = Number(d[0]);
        return comment(line);
      },
    },
    { command: '/system history print without-paging', process: (cfg) => comment(cfg) },
    { label: 'export (show-sensitive on v7+, hide-sensitive when masking)', phase: 'post', run: exportConfig },
  ],
  // Secrets are masked by choosing `/export hide-sensitive` (see the export block).
  significant: [{ pattern: rb(String.raw`^(#\s+installed-version: [^\n]+\n).*?^(?=# software id)`, 'mg'), replace: '$1' }],
  restore: { method: 'merge', notes: '/import of an .rsc file' },
};
