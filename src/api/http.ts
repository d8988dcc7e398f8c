// Shared pieces of the HTTP API: problem responses, schema helpers, route metadata, access levels.
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role, User } from '../db/schema.ts';
import { InputError } from '../errors.ts';

/** What a route needs: nobody, any logged-in user, or a permission (see ROLE_PERMISSIONS). */
export type Permission =
  | 'inventory:read'
  | 'inventory:write'
  | 'inventory:import'
  | 'credentials:read'
  | 'credentials:write'
  | 'backups:read'
  | 'backups:write'
  | 'backups:run'
  | 'backups:restore'
  | 'backups:download'
  | 'users:admin'
  | 'audit:read'
  | 'settings:admin';
export type Access = 'public' | 'authenticated' | Permission;

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: [
    'inventory:read', 'inventory:write', 'inventory:import', 'credentials:read', 'credentials:write', 'backups:read', 'backups:write',
    'backups:run', 'backups:restore', 'backups:download', 'users:admin', 'audit:read', 'settings:admin',
  ],
  operator: ['inventory:read', 'inventory:write', 'credentials:read', 'backups:read', 'backups:write', 'backups:run', 'backups:restore', 'backups:download'],
  // backups:download for viewers is granted by the setting viewer_can_download (checked at request time)
  viewer: ['inventory:read', 'backups:read'],
};

export interface AuditTarget {
  type: string;
  id?: string | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route. Every netkeep route declares it. */
    access?: Access;
    /** The audit action ("device.create"); every mutation, download and restore has one. */
    action?: string;
    /** The kind of object the route acts on, for the audit log ("device"). */
    target?: string;
  }
  interface FastifyRequest {
    user?: User;
    authVia?: 'token' | 'session';
    auditTarget?: AuditTarget;
    auditDetails?: Record<string, unknown>;
    /** A username given at login, for the audit of failed attempts. */
    auditUsername?: string;
    problemCode?: string;
  }
  interface FastifyInstance {
    /** Every route registered on this server (from Fastify's onRoute), for docs and the role-matrix test. */
    netkeepRoutes: RouteInfo[];
  }
}

export interface RouteInfo {
  method: string;
  url: string;
  access: Access | undefined;
  action: string | undefined;
}

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    lines: Type.Optional(Type.Array(Type.Object({ line: Type.Integer(), message: Type.String() }))),
  },
  { description: 'RFC 9457 problem details; `code` is stable, `detail` says what to do' },
);

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const DateTime = () => Type.String({ format: 'date-time' });

/** Response schemas: the success ones given, plus problem+json for every error status. */
export function responses(ok: Record<number, TSchema>) {
  return { ...ok, '4xx': ProblemSchema, '5xx': ProblemSchema };
}

export const EmptyBody = Type.Object({}, { additionalProperties: false });
export const NoContent = Type.Null({ description: 'no content' });

export const PageQueryProps = {
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'page size (1–1000)' }),
  offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0, description: 'items to skip' }),
};

export function Paged<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });
}

/** Path id that is a UUID. */
export const UuidParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'a UUID' }) }, { additionalProperties: false });
/** Path id that is a UUID or a name made of safe characters (never a path). */
export const IdOrNameParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\\\\\x00-\\x1f\\x7f]+$', description: 'id or name' }) },
  { additionalProperties: false },
);

/** Dates to ISO strings and the like: the JSON the response schema then filters. */
export function toJson<T>(v: T): unknown {
  return JSON.parse(JSON.stringify(v));
}

export function paged<T>(r: { items: T[]; total: number }, p: { limit: number; offset: number }) {
  return toJson({ items: r.items, total: r.total, limit: p.limit, offset: p.offset });
}

export function requireUser(req: FastifyRequest): User {
  if (!req.user) throw new InputError('unauthenticated', 'log in (POST /api/v1/auth/login) or send an API token as "Authorization: Bearer nk_…"', 401);
  return req.user;
}

export function setTarget(req: FastifyRequest, type: string, id: string | null | undefined, details?: Record<string, unknown>): void {
  req.auditTarget = { type, id: id ?? null };
  if (details) req.auditDetails = { ...req.auditDetails, ...details };
}

export function created(reply: FastifyReply, body: unknown): unknown {
  reply.code(201);
  return toJson(body);
}
