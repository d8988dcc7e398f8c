import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// A real netkeep API server on a fresh database of the given back-end, with one user per role.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildServer, type ServerOptions } from '../../src/api/server.ts';
import { createUser } from '../../src/auth/users.ts';
import { createToken } from '../../src/auth/tokens.ts';
import type { AppContext } from '../../src/context.ts';
import { loadKeyring, type Keyring } from '../../src/security/masterkey.ts';
import { freshDb, type BackendName, type TestDb } from '../helpers/db.ts';

export const PASSWORDS = { admin: 'horse-battery-staple-1', operator: 'cloud-lamp-river-22', viewer: 'green-tree-window-333' } as const;
export type RoleName = keyof typeof PASSWORDS;

export function testKeyring(): Keyring {
  return loadKeyring('/nonexistent-netkeep-test', { NETKEEP_MASTER_KEY: randomBytes(32).toString('hex') });
}

export interface TestServer {
  t: TestDb;
  ctx: AppContext;
  app: FastifyInstance;
  /** API tokens of the users admin, operator and viewer. */
  tokens: Record<RoleName, string>;
  /** Request as a role (Bearer token), or anonymously. JSON bodies are sent as JSON. */
  as(role: RoleName | 'anonymous', opts: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startServer(backend: BackendName, opts: ServerOptions = {}): Promise<TestServer> {
  const t = await freshDb(backend);
  const keyring = testKeyring();
  const ctx: AppContext = { ndb: t, db: t.db, keyring, dataDir: mkdtempSync(join(tmpdir(), 'netkeep-api-')), close: () => t.close() };
  const tokens = {} as Record<RoleName, string>;
  for (const role of ['admin', 'operator', 'viewer'] as const) {
    await createUser(t.db, { username: role, password: PASSWORDS[role], role });
    tokens[role] = (await createToken(t.db, { username: role, name: `${role}-test` })).token;
  }
  const app = await buildServer(ctx, opts);
  return {
    t,
    ctx,
    app,
    tokens,
    as(role, o) {
      const headers: Record<string, string> = { ...(o.headers as Record<string, string>) };
      if (role !== 'anonymous') headers.authorization = `Bearer ${tokens[role]}`;
      return app.inject({ ...o, headers });
    },
    async close() {
      await app.close();
      await t.close();
    },
  };
}

export function body<T = any>(r: LightMyRequestResponse): T {
  return JSON.parse(r.body) as T;
}

/** Assert a problem+json answer with the given status and code; returns the problem. */
export function expectProblem(r: LightMyRequestResponse, status: number, code: string): { detail: string; code: string; [k: string]: unknown } {
  if (r.statusCode !== status || !String(r.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected ${status} problem ${code}, got ${r.statusCode} ${r.headers['content-type']}: ${r.body}`);
  }
  const p = JSON.parse(r.body);
  if (p.code !== code || p.status !== status || typeof p.detail !== 'string' || typeof p.title !== 'string' || typeof p.type !== 'string') {
    throw new Error(`expected problem code ${code}, got ${r.body}`);
  }
  if (/\n\s+at /.test(r.body)) throw new Error(`stack trace in a response: ${r.body}`);
  return p;
}
