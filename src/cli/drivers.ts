// `netkeep drivers [--json]`: the platforms netkeep can back up.
import { parseArgs } from 'node:util';
import { NetkeepError } from '../errors.ts';
import { listDrivers } from '../drivers/index.ts';

export const DRIVERS_HELP = `Usage: netkeep drivers [--json]

List the device drivers: id, aliases (Oxidized model names work too), vendor, platform,
protocols (preferred first) and mode (shell or exec).

Options:
      --json      one JSON array instead of a table
  -h, --help      this help
`;

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    const ne = new NetkeepError('config_error', `${(err as Error).message.replace(/\.$/, '')}; see 'netkeep drivers --help'`);
    await write(process.stderr, `${ne.toLine()}\n`);
    return 1;
  }
  if (values.help) {
    await write(process.stdout, DRIVERS_HELP);
    return 0;
  }
  const list = listDrivers();
  if (values.json) {
    await write(process.stdout, `${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  const rows = [['ID', 'ALIASES', 'VENDOR', 'PLATFORM', 'PROTOCOLS', 'MODE'], ...list.map((d) => [d.id, d.aliases.join(',') || '-', d.vendor, d.platform, d.protocols.join(','), d.mode])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const text = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
  await write(process.stdout, `${text}\n`);
  return 0;
}
