// The HTTP API: Fastify with a TypeBox schema on every route, problem+json errors, sessions and
// API tokens, roles, and an audit row for every mutation, download and restore.
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { FormatRegistry, Kind, Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { InputError, NetkeepError } from '../errors.ts';
import { audit, type AuditResult } from '../auth/audit.ts';
import { SESSION_COOKIE, verifySession } from '../auth/sessions.ts';
import { getSettings } from '../auth/settings.ts';
import { verifyToken } from '../auth/tokens.ts';
import { isUuid } from '../inventory/common.ts';
import { ROLE_PERMISSIONS, type Access, type RouteInfo, ProblemSchema, responses } from './http.ts';
import { LoginLimiter, type LoginLimiterOptions } from './login-limiter.ts';
import { authRoutes } from './routes/auth.ts';
import { backupRoutes } from './routes/backups.ts';
import { eventRoutes } from './routes/events.ts';
import { sourceRoutes } from './routes/sources.ts';
import { inventoryRoutes } from './routes/inventory.ts';
import { jobRoutes } from './routes/jobs.ts';
import { restoreRoutes } from './routes/restore.ts';
import { systemRoutes } from './routes/system.ts';
import { storeRoutes } from './store-routes.ts';
import { reportRoutes } from './routes/reports.ts';
import { statsRoutes } from './routes/stats.ts';
import { schedulePreviewRoutes } from './routes/schedule-preview.ts';
import { staticRoutes } from './static.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { searchRoutes } from './routes/search.ts';
import { complianceRoutes } from './routes/compliance.ts';
import { createMetrics } from '../metrics/registry.ts';
import { metricsRoute } from '../metrics/route.ts';
import { bus } from '../events/bus.ts';
import { randomUUID } from 'node:crypto';

export interface ServerOptions {
  logger?: boolean | object;
  /** A ready pino logger (src/logging/logger.ts), used instead of `logger`. */
  loggerInstance?: import('fastify').FastifyBaseLogger;
  /** Bearer token for GET /metrics (default NETKEEP_METRICS_TOKEN; without one, loopback only). */
  metricsToken?: string;
  trustProxy?: boolean;
  /** Failed-login limit per source IP and username (default 10 per minute). */
  loginRateLimit?: LoginLimiterOptions;
}

export const API_PREFIX = '/api/v1';
export const BODY_LIMIT = 1024 * 1024;
const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

FormatRegistry.Set('uuid', (v) => isUuid(v));
FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)));

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests',
  500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
  lines?: { line: number; message: string }[];
}

function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: `urn:netkeep:problem:${code}`, title: TITLES[status] ?? 'Error', status, detail, code, ...extra };
}

class ValidationFailure extends Error {
  readonly problems: { path: string; message: string }[];
  constructor(part: string, problems: { path: string; message: string }[]) {
    const where = (p: string) => `${part}${p}`;
    const first = problems[0];
    super(
      first
        ? `${where(first.path) || part}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}${first.message.includes(';') ? '' : '; fix the request (see /api/docs)'}`
        : `the ${part} is not valid; fix the request (see /api/docs)`,
    );
    this.problems = problems.map((p) => ({ path: where(p.path), message: p.message }));
  }
}

function describeError(e: { path: string; message: string; schema: TSchema; value: unknown }, part: string): { path: string; message: string } {
  // TypeBox says "Unexpected property" for additionalProperties: name the field.
  if (/unexpected property/i.test(e.message)) return { path: e.path, message: `unknown field "${e.path.split('/').pop()}"; remove it` };
  if (e.value === undefined && /required/i.test(e.message)) return { path: e.path, message: `required ${part === 'body' ? 'field' : 'parameter'} "${e.path.split('/').pop()}" is missing` };
  return { path: e.path, message: e.message };
}

/** Validate with TypeBox: query, params and headers are converted from strings; bodies are checked strictly. */
function validatorCompiler({ schema, httpPart }: { schema: unknown; httpPart?: string }) {
  const s = schema as TSchema;
  if (!(Kind in s)) return (data: unknown) => ({ value: data }); // plugin routes (swagger-ui) with plain JSON schemas
  const check = TypeCompiler.Compile(s);
  const part = httpPart === 'querystring' ? 'query' : (httpPart ?? 'request');
  return (data: unknown) => {
    let value = data;
    if (httpPart !== 'body') value = Value.Convert(s, Value.Default(s, Value.Clone(data ?? {})));
    else if ((value === undefined || value === null) && s.type === 'object' && !(s.required as string[] | undefined)?.length) value = {};
    if (check.Check(value)) return { value };
    const errs = [...check.Errors(value)].slice(0, 10).map((e) => describeError(e, part));
    return { error: new ValidationFailure(part, errs) };
  };
}

function isJsonType(ct: string | undefined): boolean {
  return !!ct && /^application\/json\s*(;|$)/i.test(ct);
}

function toProblem(err: unknown, req: FastifyRequest): Problem {
  if (err instanceof InputError) {
    const lines = err.details?.lines as Problem['lines'];
    return problem(err.status, err.code, err.message, lines ? { lines } : {});
  }
  if (err instanceof ValidationFailure) return problem(400, 'invalid_request', err.message, { errors: err.problems });
  const fe = err as FastifyError & { validation?: unknown };
  if (fe?.code === 'FST_ERR_VALIDATION' && err instanceof ValidationFailure === false && fe.validation) {
    return problem(400, 'invalid_request', `${fe.message}; fix the request (see /api/docs)`);
  }
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'body_too_large', `the request body is larger than ${BODY_LIMIT} bytes (1 MiB); send less, or import large files with the netkeep CLI`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'unsupported_media_type', `this API takes JSON; send the body with "Content-Type: application/json"`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem(400, 'malformed_json', 'the request body is not valid JSON; send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(400, 'invalid_request', 'the Content-Length does not match the body; send the request again');
  }
  if (err instanceof SyntaxError && (fe as { statusCode?: number }).statusCode === 400) {
    return problem(400, 'malformed_json', `the request body is not valid JSON (${err.message}); send a JSON object`);
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return problem(fe.statusCode, fe.statusCode === 429 ? 'rate_limited' : 'invalid_request', `${fe.message}; fix the request (see /api/docs)`);
  }
  if (err instanceof NetkeepError && err.failureClass !== 'internal') {
    req.log.error({ err }, 'request failed');
    return problem(500, err.failureClass, err.message);
  }
  req.log.error({ err }, 'internal error');
  return problem(500, 'internal', `netkeep hit an internal error (request ${req.id}); it was logged — try again, and report it with the request id if it persists`);
}

async function allowed(ctx: AppContext, role: keyof typeof ROLE_PERMISSIONS, access: Access): Promise<boolean> {
  if (access === 'public' || access === 'authenticated') return true;
  if (ROLE_PERMISSIONS[role].includes(access)) return true;
  if (access === 'backups:download' && role === 'viewer') return (await getSettings(ctx.db)).viewer_can_download;
  return false;
}

function auditResult(status: number): AuditResult {
  if (status < 400) return 'ok';
  if (status === 401 || status === 403) return 'denied';
  if (status >= 500 && status !== 501) return 'error';
  return 'failed';
}

export async function buildServer(ctx: AppContext, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }),
    // request ids: the caller's X-Request-Id when it is sane, else a new one; logged as request_id
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    trustProxy: opts.trustProxy ?? false,
    bodyLimit: BODY_LIMIT,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 300 },
  });
  const limiter = new LoginLimiter(opts.loginRateLimit);

  const routes: RouteInfo[] = [];
  app.decorate('netkeepRoutes', routes);
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const cfg = (r.config ?? {}) as { access?: Access; action?: string };
    const url = r.url ?? r.path;
    const ours = url.startsWith(API_PREFIX) || url === '/healthz' || url === '/api/openapi.json';
    if (ours) {
      if (!cfg.access) throw new Error(`route ${methods.join(',')} ${url} declares no access level (config.access)`);
      if (!r.schema) throw new Error(`route ${methods.join(',')} ${url} has no schema`);
      if (methods.some((m) => MUTATIONS.has(m)) && !cfg.action) throw new Error(`mutation ${methods.join(',')} ${url} declares no audit action (config.action)`);
    }
    for (const m of methods) routes.push({ method: m, url, access: cfg.access ?? (ours ? undefined : 'public'), action: cfg.action });
  });

  app.setValidatorCompiler(validatorCompiler);

  // JSON only: an empty body is "no body" (so bodyless POST/DELETE may carry the JSON content type); no text/plain.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new InputError('malformed_json', `the request body is not valid JSON (${(err as Error).message}); send a JSON object`, 400), undefined);
    }
  });

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'netkeep API', version: '1', description: 'Network configuration backup. Errors are application/problem+json with a stable `code`.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API token nk_… (POST /api/v1/tokens)' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  // Who is calling, and may they: runs before the body is read.
  app.addHook('onRequest', async (req) => {
    if (!req.routeOptions.url) return; // unknown route: the not-found handler answers
    const access = req.routeOptions.config.access ?? 'public';
    const authz = req.headers.authorization;
    if (authz !== undefined && access !== 'public') {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
      const user = m ? await verifyToken(ctx.db, m[1]!) : null;
      if (!user) {
        throw new InputError('unauthenticated', 'the API token is unknown, expired or revoked (or the header is not "Authorization: Bearer nk_…"); create a new token', 401);
      }
      req.user = user;
      req.authVia = 'token';
    } else {
      const sid = req.cookies[SESSION_COOKIE];
      if (sid) {
        const user = await verifySession(ctx.db, sid);
        if (user) {
          req.user = user;
          req.authVia = 'session';
        }
      }
    }
    if (access === 'public') return;
    if (!req.user) {
      throw new InputError('unauthenticated', 'log in first (POST /api/v1/auth/login) or send an API token as "Authorization: Bearer nk_…"', 401);
    }
    if (!(await allowed(ctx, req.user.role, access))) {
      throw new InputError('forbidden', `your role (${req.user.role}) may not do this (it needs ${access}); ask an admin for a role that may`, 403);
    }
    // Cookie-authenticated mutations must be JSON requests: no cross-site form posts.
    if (req.authVia === 'session' && MUTATIONS.has(req.method) && !isJsonType(req.headers['content-type'])) {
      throw new InputError('json_required', 'send mutations with "Content-Type: application/json" (an empty body is fine)', 415);
    }
  });

  // Every mutation, download and restore leaves an audit row, denied and failed attempts too.
  app.addHook('onSend', async (req, reply, payload) => {
    const cfg = req.routeOptions.config;
    if (!req.routeOptions.url || !cfg?.action) return payload;
    const status = reply.statusCode;
    const params = req.params as { id?: string } | undefined;
    try {
      await audit(ctx.db, {
        userId: req.user?.id ?? null,
        username: req.user?.username ?? req.auditUsername ?? null,
        sourceIp: req.ip,
        action: cfg.action,
        targetType: req.auditTarget?.type ?? cfg.target ?? null,
        targetId: req.auditTarget?.id ?? (typeof params?.id === 'string' ? params.id.slice(0, 255) : null),
        result: auditResult(status),
        details: { method: req.method, status, ...(req.problemCode ? { code: req.problemCode } : {}), ...req.auditDetails },
      });
    } catch (err) {
      req.log.error({ err }, 'could not write the audit log');
    }
    return payload;
  });

  app.setErrorHandler((err, req, reply: FastifyReply) => {
    const p = toProblem(err, req);
    req.problemCode = p.code;
    if (p.status === 401) reply.header('www-authenticate', 'Bearer realm="netkeep"');
    return reply.code(p.status).type('application/problem+json').send(p);
  });
  app.setNotFoundHandler((req, reply) => {
    const p = problem(404, 'not_found', `there is no ${req.method} ${req.url.split('?')[0]}; see /api/docs for the API`);
    return reply.code(404).type('application/problem+json').send(p);
  });

  app.get('/healthz', {
    schema: {
      tags: ['meta'],
      summary: 'Liveness and database check (no authentication)',
      response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.String() }), 503: ProblemSchema },
    },
    config: { access: 'public' },
    handler: async () => {
      try {
        await sql`SELECT 1`.execute(ctx.db);
      } catch (err) {
        throw new InputError('database_unavailable', `the database (${ctx.ndb.kind}) does not answer: ${(err as Error).message}; check that it runs`, 503);
      }
      return { status: 'ok' as const, database: ctx.ndb.kind };
    },
  });
  app.get('/api/openapi.json', {
    schema: { tags: ['meta'], summary: 'This API as OpenAPI 3.1', hide: true, response: responses({ 200: Type.Record(Type.String(), Type.Unknown()) }) },
    config: { access: 'public' },
    handler: async () => app.swagger(),
  });

  await app.register(
    async (api) => {
      authRoutes(api, ctx, limiter);
      inventoryRoutes(api, ctx);
      backupRoutes(api, ctx);
      storeRoutes(api, ctx);
      jobRoutes(api, ctx);
      eventRoutes(api, ctx);
      restoreRoutes(api, ctx);
      sourceRoutes(api, ctx);
      notificationRoutes(api, ctx);
      statsRoutes(api, ctx);
      reportRoutes(api, ctx);
      schedulePreviewRoutes(api);
      systemRoutes(api, ctx);
      searchRoutes(api, ctx);
      complianceRoutes(api, ctx);
    },
    { prefix: API_PREFIX },
  );

  const metrics = createMetrics({ db: ctx.db, bus });
  app.addHook('onClose', async () => metrics.detach());
  metricsRoute(app, metrics, { token: opts.metricsToken ?? process.env.NETKEEP_METRICS_TOKEN });
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-request-id', req.id);
    return payload;
  });

  staticRoutes(app); // the web UI at / (GET /* with SPA fallback; never /api, /healthz, /metrics)

  await app.ready();
  return app;
}
