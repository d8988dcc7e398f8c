// Login, logout, who am I; users (admin), API tokens, audit log (admin), settings (admin).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ROLES } from '../../db/schema.ts';
import { InputError } from '../../errors.ts';
import { listAudit } from '../../auth/audit.ts';
import { createSession, deleteSession, SESSION_COOKIE } from '../../auth/sessions.ts';
import { getSettings, updateSettings } from '../../auth/settings.ts';
import { createToken, findToken, listTokens, revokeToken } from '../../auth/tokens.ts';
import { authenticate, createUser, deleteUser, getUser, listUsers, countUsers, setPassword, toUserView, updateUser } from '../../auth/users.ts';
import { verifyPassword } from '../../auth/passwords.ts';
import { LoginLimiter } from '../login-limiter.ts';
import { DateTime, IdOrNameParams, Nullable, NoContent, PageQueryProps, Paged, created, paged, requireUser, responses, setTarget, toJson } from '../http.ts';

const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
export const UserSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  username: Type.String(),
  role: Type.String(),
  disabled: Type.Boolean(),
  last_login_at: Nullable(DateTime()),
  password_changed_at: DateTime(),
  created_at: DateTime(),
  updated_at: DateTime(),
});
const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
const LoginResult = Type.Object({ user: UserSchema, expires_at: DateTime() });
const MeResult = Type.Object({ user: UserSchema, auth: Type.Union([Type.Literal('session'), Type.Literal('token')]) });
const SessionResult = Type.Object({
  authenticated: Type.Boolean(),
  user: Type.Optional(UserSchema),
  auth: Type.Optional(Type.Union([Type.Literal('session'), Type.Literal('token')])),
});
const PasswordBody = Type.Object(
  { current_password: Type.String({ minLength: 1, maxLength: 1024 }), new_password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
const UserCreate = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }), role: Role },
  { additionalProperties: false },
);
const UserPatch = Type.Object(
  { role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()), password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })) },
  { additionalProperties: false, minProperties: 1 },
);
const PageQuery = Type.Object({ ...PageQueryProps }, { additionalProperties: false });

const TokenSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user_id: Type.String({ format: 'uuid' }),
  username: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  expires_at: Nullable(DateTime()),
  last_used_at: Nullable(DateTime()),
  revoked_at: Nullable(DateTime()),
  created_at: DateTime(),
});
const TokenCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    expires_at: Type.Optional(Nullable(DateTime())),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'admin only: create the token for this user' })),
  },
  { additionalProperties: false },
);
const TokenCreated = Type.Object({
  id: Type.String({ format: 'uuid' }),
  token: Type.String({ description: 'shown once; store it now' }),
  prefix: Type.String(),
  name: Type.String(),
  username: Type.String(),
  expires_at: Nullable(DateTime()),
});
const TokenQuery = Type.Object({ all: Type.Optional(Type.Boolean({ description: 'admin only: tokens of every user' })) }, { additionalProperties: false });
const TokenParams = Type.Object({ id: Type.String({ minLength: 4, maxLength: 36, pattern: '^[A-Za-z0-9_-]+$', description: 'token id or prefix (nk_xxxxxxxx)' }) }, { additionalProperties: false });

const AuditSchema = Type.Object({
  id: Type.Integer(),
  at: DateTime(),
  user_id: Nullable(Type.String()),
  username: Nullable(Type.String()),
  source_ip: Nullable(Type.String()),
  action: Type.String(),
  target_type: Nullable(Type.String()),
  target_id: Nullable(Type.String()),
  result: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
});
const AuditQuery = Type.Object(
  {
    ...PageQueryProps,
    action: Type.Optional(Type.String({ maxLength: 64, description: 'exact action, or a prefix ending in "." (e.g. device.)' })),
    username: Type.Optional(Type.String({ maxLength: 64 })),
    result: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('denied'), Type.Literal('error'), Type.Literal('failed')])),
    target_type: Type.Optional(Type.String({ maxLength: 64 })),
    target_id: Type.Optional(Type.String({ maxLength: 255 })),
    since: Type.Optional(DateTime()),
    until: Type.Optional(DateTime()),
  },
  { additionalProperties: false },
);

const SettingsSchema = Type.Object({
  viewer_can_download: Type.Boolean({ description: 'viewers may download stored configs' }),
  session_ttl_hours: Type.Integer({ description: 'browser session lifetime' }),
});
const SettingsPatch = Type.Object(
  { viewer_can_download: Type.Optional(Type.Boolean()), session_ttl_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })) },
  { additionalProperties: false, minProperties: 1 },
);

type IdParams = Static<typeof IdOrNameParams>;

export function authRoutes(app: FastifyInstance, ctx: AppContext, limiter: LoginLimiter): void {
  const { db } = ctx;

  app.post('/auth/login', {
    schema: { tags: ['auth'], summary: 'Log in: sets the session cookie netkeep_session', body: LoginBody, response: responses({ 200: LoginResult }) },
    config: { access: 'public', action: 'auth.login', target: 'user' },
    handler: async (req, reply) => {
      const { username, password } = req.body as Static<typeof LoginBody>;
      req.auditUsername = username.slice(0, 64);
      const key = LoginLimiter.key(req.ip, username);
      const wait = limiter.retryAfter(key);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new InputError('rate_limited', `too many failed logins for "${username}" from ${req.ip}; wait ${wait} s and try again`, 429);
      }
      const user = await authenticate(db, username, password);
      if (!user) {
        limiter.fail(key);
        throw new InputError('invalid_credentials', 'wrong username or password (or the user is disabled); check them and try again', 401);
      }
      limiter.succeed(key);
      req.user = user;
      setTarget(req, 'user', user.id);
      const settings = await getSettings(db);
      const s = await createSession(db, user.id, { sourceIp: req.ip, ttlMs: settings.session_ttl_hours * 3600_000 });
      reply.setCookie(SESSION_COOKIE, s.id, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        secure: req.protocol === 'https',
        maxAge: settings.session_ttl_hours * 3600,
      });
      return toJson({ user: toUserView(user), expires_at: s.expiresAt });
    },
  });

  app.post('/auth/logout', {
    schema: { tags: ['auth'], summary: 'Log out: ends the session and clears the cookie', response: responses({ 204: NoContent }) },
    config: { access: 'authenticated', action: 'auth.logout', target: 'user' },
    handler: async (req, reply) => {
      const u = requireUser(req);
      setTarget(req, 'user', u.id);
      const sid = req.cookies[SESSION_COOKIE];
      if (sid) await deleteSession(db, sid);
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https' });
      return reply.code(204).send();
    },
  });

  app.get('/auth/me', {
    schema: { tags: ['auth'], summary: 'The logged-in user', response: responses({ 200: MeResult }) },
    config: { access: 'authenticated' },
    handler: async (req) => toJson({ user: toUserView(requireUser(req)), auth: req.authVia }),
  });

  // The web UI's first question: a 200 either way, so a browser that is simply not logged in
  // logs no failed request in its console (GET /auth/me answers 401 then).
  app.get('/auth/session', {
    schema: { tags: ['auth'], summary: 'Whether this browser has a session, and whose', response: responses({ 200: SessionResult }) },
    config: { access: 'public' },
    handler: async (req) => (req.user ? toJson({ authenticated: true, user: toUserView(req.user), auth: req.authVia }) : { authenticated: false }),
  });

  app.put('/auth/password', {
    schema: { tags: ['auth'], summary: 'Change your own password (ends all your sessions)', body: PasswordBody, response: responses({ 204: NoContent }) },
    config: { access: 'authenticated', action: 'auth.password', target: 'user' },
    handler: async (req, reply) => {
      const u = requireUser(req);
      setTarget(req, 'user', u.id);
      const body = req.body as Static<typeof PasswordBody>;
      if (!(await verifyPassword(u.password_hash, body.current_password))) {
        throw new InputError('invalid_credentials', 'the current password is wrong; give your current password to change it', 400);
      }
      await setPassword(db, u.username, body.new_password);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  });

  // ---- users (admin)
  app.get('/users', {
    schema: { tags: ['users'], summary: 'List users', querystring: PageQuery, response: responses({ 200: Paged(UserSchema) }) },
    config: { access: 'users:admin' },
    handler: async (req) => {
      const q = req.query as Static<typeof PageQuery>;
      return paged({ items: await listUsers(db, q), total: await countUsers(db) }, q);
    },
  });
  app.post('/users', {
    schema: { tags: ['users'], summary: 'Create a user', body: UserCreate, response: responses({ 201: UserSchema }) },
    config: { access: 'users:admin', action: 'user.create', target: 'user' },
    handler: async (req, reply) => {
      const body = req.body as Static<typeof UserCreate>;
      const u = await createUser(db, body);
      setTarget(req, 'user', u.id, { username: u.username, role: u.role });
      return created(reply, toUserView(u));
    },
  });
  app.get('/users/:id', {
    schema: { tags: ['users'], summary: 'Get a user by id or username', params: IdOrNameParams, response: responses({ 200: UserSchema }) },
    config: { access: 'users:admin' },
    handler: async (req) => toJson(toUserView(await getUser(db, (req.params as IdParams).id))),
  });
  app.patch('/users/:id', {
    schema: { tags: ['users'], summary: 'Change role, disable/enable or set the password of a user', params: IdOrNameParams, body: UserPatch, response: responses({ 200: UserSchema }) },
    config: { access: 'users:admin', action: 'user.update', target: 'user' },
    handler: async (req) => {
      const body = req.body as Static<typeof UserPatch>;
      const u = await updateUser(db, (req.params as IdParams).id, body);
      setTarget(req, 'user', u.id, { fields: Object.keys(body), ...(body.role ? { role: body.role } : {}), ...(body.disabled !== undefined ? { disabled: body.disabled } : {}) });
      return toJson(toUserView(u));
    },
  });
  app.delete('/users/:id', {
    schema: { tags: ['users'], summary: 'Delete a user (the audit log keeps their name)', params: IdOrNameParams, response: responses({ 204: NoContent }) },
    config: { access: 'users:admin', action: 'user.delete', target: 'user' },
    handler: async (req, reply) => {
      const u = await deleteUser(db, (req.params as IdParams).id);
      setTarget(req, 'user', u.id, { username: u.username });
      return reply.code(204).send();
    },
  });

  // ---- API tokens: own tokens for everyone, all tokens for admins
  app.get('/tokens', {
    schema: { tags: ['tokens'], summary: 'List your API tokens (admins: ?all=true for everyone\'s)', querystring: TokenQuery, response: responses({ 200: Type.Object({ items: Type.Array(TokenSchema) }) }) },
    config: { access: 'authenticated' },
    handler: async (req) => {
      const u = requireUser(req);
      const { all } = req.query as Static<typeof TokenQuery>;
      if (all && u.role !== 'admin') throw new InputError('forbidden', 'only admins may list the tokens of other users; leave out ?all=true to list yours', 403);
      return toJson({ items: await listTokens(db, all ? undefined : u.id) });
    },
  });
  app.post('/tokens', {
    schema: { tags: ['tokens'], summary: 'Create an API token (the token is shown once)', body: TokenCreate, response: responses({ 201: TokenCreated }) },
    config: { access: 'authenticated', action: 'token.create', target: 'token' },
    handler: async (req, reply) => {
      const u = requireUser(req);
      const body = req.body as Static<typeof TokenCreate>;
      if (body.username !== undefined && body.username.toLowerCase() !== u.username && u.role !== 'admin') {
        throw new InputError('forbidden', 'only admins may create tokens for other users; leave out "username" to create one for yourself', 403);
      }
      const owner = body.username ?? u.username;
      const t = await createToken(db, { username: owner, name: body.name, expiresAt: body.expires_at ?? null });
      setTarget(req, 'token', t.id, { prefix: t.prefix, owner, name: body.name });
      return created(reply, { id: t.id, token: t.token, prefix: t.prefix, name: body.name.trim(), username: (await getUser(db, owner)).username, expires_at: body.expires_at ?? null });
    },
  });
  app.delete('/tokens/:id', {
    schema: { tags: ['tokens'], summary: 'Revoke an API token by id or prefix', params: TokenParams, response: responses({ 204: NoContent }) },
    config: { access: 'authenticated', action: 'token.revoke', target: 'token' },
    handler: async (req, reply) => {
      const u = requireUser(req);
      const { id } = req.params as Static<typeof TokenParams>;
      const scope = u.role === 'admin' ? {} : { userId: u.id };
      const t = await findToken(db, id, scope);
      setTarget(req, 'token', t?.id ?? id);
      await revokeToken(db, id, scope);
      return reply.code(204).send();
    },
  });

  // ---- audit log (admin)
  app.get('/audit', {
    schema: { tags: ['audit'], summary: 'The audit log, newest first', querystring: AuditQuery, response: responses({ 200: Paged(AuditSchema) }) },
    config: { access: 'audit:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof AuditQuery>;
      const r = await listAudit(db, {
        limit: q.limit,
        offset: q.offset,
        action: q.action,
        username: q.username,
        result: q.result,
        targetType: q.target_type,
        targetId: q.target_id,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
      });
      return toJson(r);
    },
  });

  // ---- settings (admin)
  app.get('/settings', {
    schema: { tags: ['settings'], summary: 'Server settings', response: responses({ 200: SettingsSchema }) },
    config: { access: 'settings:admin' },
    handler: async () => getSettings(db),
  });
  app.put('/settings', {
    schema: { tags: ['settings'], summary: 'Change server settings (only the keys given)', body: SettingsPatch, response: responses({ 200: SettingsSchema }) },
    config: { access: 'settings:admin', action: 'settings.update', target: 'settings' },
    handler: async (req) => {
      const body = req.body as Static<typeof SettingsPatch>;
      setTarget(req, 'settings', null, { changes: body });
      return updateSettings(db, body);
    },
  });
}
