// Ubiquiti airOS (airMAX: LiteBeam, PowerBeam, Rocket, NanoStation), BusyBox shell over SSH exec.
import type { Driver } from '../types.ts';

export const airos: Driver = {
  id: 'airos',
  aliases: ['airmax', 'ubnt-airos'],
  vendor: 'Ubiquiti',
  platform: 'airOS (airMAX)',
  protocols: ['ssh'],
  mode: 'exec',
  prompt: /^[^#]+# $/,
  comment: '# ',
  commands: [
    {
      command: 'cat /etc/board.info',
      process: (o) => {
        const parts = o.split('\n');
        while (parts.length && parts[parts.length - 1] === '') parts.pop();
        return parts.map((l) => `# ${l}`).join('\n') + '\n';
      },
    },
    { command: 'sort /tmp/system.cfg' },
  ],
  facts: [
    { fact: 'model', command: 'cat /etc/board.info', pattern: /^board\.name=(.+)$/m },
  ],
  secrets: [{ pattern: /^(users\.\d+\.password|snmp\.community)=.+/gm, replace: '# $1=<hidden>' }],
};
