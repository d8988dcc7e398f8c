// What every netkeep command shares: option parsing with --help, the common database options,
// one-line errors, exit codes, tables and JSON output.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError, NetkeepError } from '../errors.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Thrown for a wrong command line: printed as one line with a hint to --help, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export const DB_OPTIONS = {
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
} as const satisfies Options;

export interface CommandSpec<O extends Options> {
  /** e.g. "user add" */
  name: string;
  usage: string;
  summary: string;
  /** Lines shown under "Options:" (keep in step with `options`). */
  help: readonly string[];
  options: O;
  /** How many positionals: [min, max]. */
  positionals?: readonly [number, number];
}

export const COMMON_HELP = [
  '  --data-dir DIR        data directory (default ./data, or NETKEEP_DATA_DIR)',
  '  --database-url URL    use a PostgreSQL server instead of the embedded database (or DATABASE_URL)',
];

export function printHelp(spec: CommandSpec<Options>): void {
  process.stdout.write(`Usage: netkeep ${spec.usage}\n\n${spec.summary}\n`);
  if (spec.help.length) process.stdout.write(`\nOptions:\n${spec.help.join('\n')}\n  -h, --help            show this help\n`);
}

/** Parse argv for a command; returns undefined when --help was printed. */
export function parse<O extends Options>(spec: CommandSpec<O>, argv: string[]) {
  const options = { ...spec.options, help: { type: 'boolean', short: 'h' } } as O & { help: { type: 'boolean'; short: 'h' } };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional.*$/s, '')} (see netkeep ${spec.name} --help)`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    printHelp(spec as unknown as CommandSpec<Options>);
    return undefined;
  }
  const [min, max] = spec.positionals ?? [0, 0];
  if (parsed.positionals.length < min) throw new UsageError(`missing argument: netkeep ${spec.usage}`);
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument "${parsed.positionals[max]}" (see netkeep ${spec.name} --help)`);
  return parsed;
}

/** Print an error as one line on stderr and give the exit code; never a stack trace. */
export function reportError(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`netkeep: ${err.message}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof InputError) {
    process.stderr.write(`netkeep: ${err.message}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof NetkeepError) {
    process.stderr.write(`netkeep: ${err.toLine()}\n`);
    return EXIT_FAILURE;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`netkeep: internal error: ${msg.split('\n')[0]} (run with NETKEEP_DEBUG=1 for details)\n`);
  if (process.env.NETKEEP_DEBUG) console.error(err);
  return EXIT_FAILURE;
}

/** Render rows as an aligned text table. */
export function table(headers: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Read a secret: from the flag, else a prompt without echo on a TTY, else the first line of stdin. */
export async function readSecret(prompt: string, flag?: string): Promise<string> {
  if (flag !== undefined) return flag;
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write(prompt);
    return new Promise((resolve, reject) => {
      let value = '';
      stdin.setRawMode(true);
      stdin.resume();
      stdin.setEncoding('utf8');
      const onData = (ch: string) => {
        for (const c of ch) {
          if (c === '\r' || c === '\n') {
            stdin.setRawMode(false);
            stdin.pause();
            stdin.off('data', onData);
            process.stderr.write('\n');
            resolve(value);
            return;
          }
          if (c === '\u0003') {
            stdin.setRawMode(false);
            reject(new UsageError('cancelled'));
            return;
          }
          if (c === '\u007f') value = value.slice(0, -1);
          else value += c;
        }
      };
      stdin.on('data', onData);
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const first = text.split(/\r?\n/)[0] ?? '';
  if (!first) throw new UsageError(`no password given: pass --password, or type it at the prompt, or pipe it on stdin`);
  return first;
}
