// Opens netkeep's data for one CLI command and closes it afterwards; names the CLI user in the audit log.
import { openContext, type AppContext } from '../context.ts';

export async function withContext<T>(values: { 'data-dir'?: string; 'database-url'?: string }, command: string, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await openContext({ dataDir: values['data-dir'], databaseUrl: values['database-url'], command });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** Who did it, for audit rows written by the CLI: the local OS user. */
export const cliActor = () => ({ username: `cli:${process.env.USER ?? 'unknown'}`, sourceIp: 'local' });
