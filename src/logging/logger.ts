// netkeep's structured logs: pino JSON lines on stderr (or a given stream), every line through
// the redaction layer (redact.ts); request ids come from Fastify, job ids from the event logger.
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { REDACT_PATHS, registerEnvSecrets, scrubbingStream } from './redact.ts';

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  level?: string;
  /** Where the JSON lines go (default stderr). */
  destination?: { write(s: string): unknown };
  /** Which process this is ("serve", "worker", …), on every line. */
  process?: string;
  env?: NodeJS.ProcessEnv;
}

export function createLogger(o: LoggerOptions = {}): Logger {
  registerEnvSecrets(o.env ?? process.env);
  const level = o.level ?? 'info';
  if (!LOG_LEVELS.includes(level as LevelWithSilent)) throw new Error(`log level must be one of ${LOG_LEVELS.join(', ')}, not "${level}"`);
  return pino(
    {
      level,
      base: { service: 'netkeep', ...(o.process ? { process: o.process } : {}), pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      serializers: { err: pino.stdSerializers.err },
    },
    scrubbingStream(o.destination ?? process.stderr) as never,
  );
}
