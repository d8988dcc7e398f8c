// Devices, groups, credential profiles, drivers and CSV import.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { listDrivers } from '../../drivers/index.ts';
import { InputError } from '../../errors.ts';
import {
  createCredentialProfile,
  deleteCredentialProfile,
  getCredentialProfile,
  listCredentialProfiles,
  updateCredentialProfile,
} from '../../inventory/credentials.ts';
import { importDevices, parseDeviceCsv } from '../../inventory/csv.ts';
import { acceptHostKey, createDevice, DEVICE_SORTS, deleteDevice, forgetHostKey, getDevice, hostKeys, listDevices, PROTOCOLS, updateDevice } from '../../inventory/devices.ts';
import { createGroup, deleteGroup, getGroup, listGroups, updateGroup } from '../../inventory/groups.ts';
import { DateTime, IdOrNameParams, Nullable, NoContent, PageQueryProps, Paged, created, paged, responses, setTarget, toJson } from '../http.ts';

const Options = Type.Record(Type.String(), Type.Unknown(), { description: 'free-form settings (timeouts, algorithm profile, driver variables)' });
const Protocol = Type.Union(PROTOCOLS.map((p) => Type.Literal(p)));
const Ref = Type.String({ minLength: 1, maxLength: 255, description: 'name or id' });

export const DeviceSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  address: Type.String(),
  port: Nullable(Type.Integer()),
  driver: Type.String(),
  protocol: Type.String(),
  group: Nullable(Type.String()),
  group_id: Nullable(Type.String()),
  site: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  credential_profile: Nullable(Type.String()),
  credential_profile_id: Nullable(Type.String()),
  zone: Nullable(Type.String()),
  options: Options,
  source: Type.String(),
  has_host_key: Type.Boolean(),
  host_key_pending: Type.Boolean(),
  orphaned_at: Nullable(DateTime()),
  last_status: Nullable(Type.String()),
  last_attempt_at: Nullable(DateTime()),
  last_success_at: Nullable(DateTime()),
  last_change_at: Nullable(DateTime()),
  failing_since: Nullable(DateTime()),
  consecutive_failures: Type.Integer(),
  last_error: Nullable(Type.String()),
  last_error_class: Nullable(Type.String()),
  created_at: DateTime(),
  updated_at: DateTime(),
});

const DeviceFields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  address: Type.String({ minLength: 1, maxLength: 255, description: 'IP address or host name' }),
  port: Nullable(Type.Integer({ minimum: 1, maximum: 65535 })),
  driver: Type.String({ minLength: 1, maxLength: 64, description: 'driver id or alias (GET /api/v1/drivers)' }),
  protocol: Protocol,
  group: Nullable(Ref),
  site: Nullable(Type.String({ maxLength: 255 })),
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100 }),
  enabled: Type.Boolean(),
  credential_profile: Nullable(Ref),
  zone: Nullable(Type.String({ maxLength: 64 })),
  options: Options,
};
const DeviceCreate = Type.Object(
  {
    name: DeviceFields.name,
    address: DeviceFields.address,
    driver: DeviceFields.driver,
    port: Type.Optional(DeviceFields.port),
    protocol: Type.Optional(DeviceFields.protocol),
    group: Type.Optional(DeviceFields.group),
    site: Type.Optional(DeviceFields.site),
    tags: Type.Optional(DeviceFields.tags),
    enabled: Type.Optional(DeviceFields.enabled),
    credential_profile: Type.Optional(DeviceFields.credential_profile),
    zone: Type.Optional(DeviceFields.zone),
    options: Type.Optional(DeviceFields.options),
  },
  { additionalProperties: false },
);
const DevicePatch = Type.Partial(Type.Object(DeviceFields), { additionalProperties: false, minProperties: 1 });
const DeviceQuery = Type.Object(
  {
    ...PageQueryProps,
    q: Type.Optional(Type.String({ maxLength: 255, description: 'search name, address and site' })),
    group: Type.Optional(Ref),
    enabled: Type.Optional(Type.Boolean()),
    status: Type.Optional(Type.String({ maxLength: 32 })),
    sort: Type.Optional(Type.Union(DEVICE_SORTS.map((s) => Type.Literal(s)))),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  },
  { additionalProperties: false },
);

export const GroupSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Type.String(),
  options: Options,
  device_count: Type.Integer(),
  created_at: DateTime(),
  updated_at: DateTime(),
});
const GroupFields = { name: Type.String({ minLength: 1, maxLength: 255 }), description: Type.String({ maxLength: 4096 }), options: Options };
const GroupCreate = Type.Object(
  { name: GroupFields.name, description: Type.Optional(GroupFields.description), options: Type.Optional(GroupFields.options) },
  { additionalProperties: false },
);
const GroupPatch = Type.Partial(Type.Object(GroupFields), { additionalProperties: false, minProperties: 1 });
const SearchQuery = Type.Object({ ...PageQueryProps, q: Type.Optional(Type.String({ maxLength: 255 })) }, { additionalProperties: false });

export const ProfileSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Type.String(),
  username: Nullable(Type.String()),
  has_password: Type.Boolean(),
  has_enable_password: Type.Boolean(),
  has_private_key: Type.Boolean(),
  has_passphrase: Type.Boolean(),
  device_count: Type.Integer(),
  created_at: DateTime(),
  updated_at: DateTime(),
});
const Secret = (what: string) => Nullable(Type.String({ maxLength: 16384, description: `${what} (write-only; null clears it)` }));
const ProfileFields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.String({ maxLength: 4096 }),
  username: Nullable(Type.String({ maxLength: 255 })),
  password: Secret('login password'),
  enable_password: Secret('enable / privileged-mode password'),
  private_key: Secret('SSH private key (PEM/OpenSSH)'),
  passphrase: Secret('passphrase of the private key'),
};
const ProfileCreate = Type.Composite([Type.Object({ name: ProfileFields.name }), Type.Partial(Type.Object({ ...ProfileFields, name: ProfileFields.name }))], {
  additionalProperties: false,
});
const ProfilePatch = Type.Partial(Type.Object(ProfileFields), { additionalProperties: false, minProperties: 1 });

const DriverSchema = Type.Object({
  id: Type.String(),
  aliases: Type.Array(Type.String()),
  vendor: Type.String(),
  platform: Type.String(),
  protocols: Type.Array(Type.String()),
  mode: Type.String(),
});

const ImportBody = Type.Object(
  {
    csv: Type.String({ minLength: 1, description: 'the CSV text: header name,address,port,driver,group,username,password,enable_password (+ site, tags, protocol)' }),
    dry_run: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
const ImportResult = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  profiles_created: Type.Integer(),
  groups_created: Type.Integer(),
  dry_run: Type.Boolean(),
});

type IdParams = Static<typeof IdOrNameParams>;

export function inventoryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db, keyring } = ctx;

  // ---- devices
  app.get('/devices', {
    schema: { tags: ['devices'], summary: 'List devices', querystring: DeviceQuery, response: responses({ 200: Paged(DeviceSchema) }) },
    config: { access: 'inventory:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof DeviceQuery>;
      return paged(await listDevices(db, q), q);
    },
  });
  app.post('/devices', {
    schema: { tags: ['devices'], summary: 'Create a device', body: DeviceCreate, response: responses({ 201: DeviceSchema }) },
    config: { access: 'inventory:write', action: 'device.create', target: 'device' },
    handler: async (req, reply) => {
      const d = await createDevice(db, req.body as Static<typeof DeviceCreate>);
      setTarget(req, 'device', d.id, { name: d.name });
      return created(reply, d);
    },
  });
  app.post('/devices/import', {
    schema: {
      tags: ['devices'],
      summary: 'Import devices from CSV (one transaction: any bad line imports nothing)',
      body: ImportBody,
      response: responses({ 200: ImportResult }),
    },
    config: { access: 'inventory:import', action: 'device.import', target: 'device' },
    handler: async (req) => {
      const body = req.body as Static<typeof ImportBody>;
      const parsed = parseDeviceCsv(body.csv);
      if (parsed.errors.length) {
        throw new InputError('invalid_csv', `the CSV has ${parsed.errors.length} problem(s), see "lines"; fix them and import again — nothing was imported`, 400, {
          lines: parsed.errors,
        });
      }
      const r = await importDevices(db, keyring, parsed.rows, { dryRun: body.dry_run });
      req.auditDetails = { ...r, rows: parsed.rows.length };
      return { created: r.created, updated: r.updated, unchanged: r.unchanged, profiles_created: r.profilesCreated, groups_created: r.groupsCreated, dry_run: r.dryRun };
    },
  });
  app.get('/devices/:id', {
    schema: { tags: ['devices'], summary: 'Get a device by id or name', params: IdOrNameParams, response: responses({ 200: DeviceSchema }) },
    config: { access: 'inventory:read' },
    handler: async (req) => toJson(await getDevice(db, (req.params as IdParams).id)),
  });
  app.patch('/devices/:id', {
    schema: { tags: ['devices'], summary: 'Change a device', params: IdOrNameParams, body: DevicePatch, response: responses({ 200: DeviceSchema }) },
    config: { access: 'inventory:write', action: 'device.update', target: 'device' },
    handler: async (req) => {
      const body = req.body as Static<typeof DevicePatch>;
      const d = await updateDevice(db, (req.params as IdParams).id, body);
      setTarget(req, 'device', d.id, { fields: Object.keys(body) });
      return toJson(d);
    },
  });
  app.delete('/devices/:id', {
    schema: { tags: ['devices'], summary: 'Delete a device (refused when it has backup history: disable it instead)', params: IdOrNameParams, response: responses({ 204: NoContent }) },
    config: { access: 'inventory:write', action: 'device.delete', target: 'device' },
    handler: async (req, reply) => {
      const d = await deleteDevice(db, (req.params as IdParams).id);
      setTarget(req, 'device', d.id, { name: d.name });
      return reply.code(204).send();
    },
  });

  const HostKeySchema = Type.Object({
    pinned: Nullable(Type.String({ description: 'the pinned key, "<algorithm> <base64>"' })),
    pending: Nullable(Type.String({ description: 'a different key the device presented, waiting for an operator' })),
    pinned_fingerprint: Nullable(Type.String({ description: 'SHA256:… as ssh-keygen -l shows it' })),
    pending_fingerprint: Nullable(Type.String()),
  });
  app.get('/devices/:id/host-key', {
    schema: { tags: ['devices'], summary: "The device's pinned SSH host key and a changed key waiting for acceptance", params: IdOrNameParams, response: responses({ 200: HostKeySchema }) },
    config: { access: 'inventory:read' },
    handler: async (req) => hostKeys(db, (req.params as IdParams).id),
  });
  app.post('/devices/:id/host-key/accept', {
    schema: {
      tags: ['devices'],
      summary: 'Accept the changed SSH host key (after checking its fingerprint); backups resume',
      params: IdOrNameParams,
      response: responses({ 200: DeviceSchema }),
    },
    config: { access: 'inventory:write', action: 'device.host_key.accept', target: 'device' },
    handler: async (req) => {
      const r = await acceptHostKey(db, (req.params as IdParams).id);
      setTarget(req, 'device', r.device.id, { previous: r.previous, accepted: r.accepted });
      return toJson(r.device);
    },
  });
  app.delete('/devices/:id/host-key', {
    schema: { tags: ['devices'], summary: 'Forget the pinned SSH host key: the next backup pins the key it sees', params: IdOrNameParams, response: responses({ 200: DeviceSchema }) },
    config: { access: 'inventory:write', action: 'device.host_key.forget', target: 'device' },
    handler: async (req) => {
      const d = await forgetHostKey(db, (req.params as IdParams).id);
      setTarget(req, 'device', d.id, {});
      return toJson(d);
    },
  });

  app.get('/drivers', {
    schema: { tags: ['devices'], summary: 'List the device drivers', response: responses({ 200: Type.Object({ items: Type.Array(DriverSchema) }) }) },
    config: { access: 'inventory:read' },
    handler: async () => ({ items: listDrivers() }),
  });

  // ---- groups
  app.get('/groups', {
    schema: { tags: ['groups'], summary: 'List groups', querystring: SearchQuery, response: responses({ 200: Paged(GroupSchema) }) },
    config: { access: 'inventory:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof SearchQuery>;
      return paged(await listGroups(db, q), q);
    },
  });
  app.post('/groups', {
    schema: { tags: ['groups'], summary: 'Create a group', body: GroupCreate, response: responses({ 201: GroupSchema }) },
    config: { access: 'inventory:write', action: 'group.create', target: 'group' },
    handler: async (req, reply) => {
      const g = await createGroup(db, req.body as Static<typeof GroupCreate>);
      setTarget(req, 'group', g.id, { name: g.name });
      return created(reply, g);
    },
  });
  app.get('/groups/:id', {
    schema: { tags: ['groups'], summary: 'Get a group by id or name', params: IdOrNameParams, response: responses({ 200: GroupSchema }) },
    config: { access: 'inventory:read' },
    handler: async (req) => toJson(await getGroup(db, (req.params as IdParams).id)),
  });
  app.patch('/groups/:id', {
    schema: { tags: ['groups'], summary: 'Change a group', params: IdOrNameParams, body: GroupPatch, response: responses({ 200: GroupSchema }) },
    config: { access: 'inventory:write', action: 'group.update', target: 'group' },
    handler: async (req) => {
      const body = req.body as Static<typeof GroupPatch>;
      const g = await updateGroup(db, (req.params as IdParams).id, body);
      setTarget(req, 'group', g.id, { fields: Object.keys(body) });
      return toJson(g);
    },
  });
  app.delete('/groups/:id', {
    schema: { tags: ['groups'], summary: 'Delete an empty group', params: IdOrNameParams, response: responses({ 204: NoContent }) },
    config: { access: 'inventory:write', action: 'group.delete', target: 'group' },
    handler: async (req, reply) => {
      const g = await deleteGroup(db, (req.params as IdParams).id);
      setTarget(req, 'group', g.id, { name: g.name });
      return reply.code(204).send();
    },
  });

  // ---- credential profiles
  app.get('/credential-profiles', {
    schema: { tags: ['credential-profiles'], summary: 'List credential profiles (secrets are never returned)', querystring: SearchQuery, response: responses({ 200: Paged(ProfileSchema) }) },
    config: { access: 'credentials:read' },
    handler: async (req) => {
      const q = req.query as Static<typeof SearchQuery>;
      return paged(await listCredentialProfiles(db, q), q);
    },
  });
  app.post('/credential-profiles', {
    schema: { tags: ['credential-profiles'], summary: 'Create a credential profile', body: ProfileCreate, response: responses({ 201: ProfileSchema }) },
    config: { access: 'credentials:write', action: 'credential_profile.create', target: 'credential_profile' },
    handler: async (req, reply) => {
      const p = await createCredentialProfile(db, keyring, req.body as Static<typeof ProfileCreate>);
      setTarget(req, 'credential_profile', p.id, { name: p.name });
      return created(reply, p);
    },
  });
  app.get('/credential-profiles/:id', {
    schema: { tags: ['credential-profiles'], summary: 'Get a credential profile by id or name', params: IdOrNameParams, response: responses({ 200: ProfileSchema }) },
    config: { access: 'credentials:read' },
    handler: async (req) => toJson(await getCredentialProfile(db, (req.params as IdParams).id)),
  });
  app.patch('/credential-profiles/:id', {
    schema: { tags: ['credential-profiles'], summary: 'Change a credential profile', params: IdOrNameParams, body: ProfilePatch, response: responses({ 200: ProfileSchema }) },
    config: { access: 'credentials:write', action: 'credential_profile.update', target: 'credential_profile' },
    handler: async (req) => {
      const body = req.body as Static<typeof ProfilePatch>;
      const p = await updateCredentialProfile(db, keyring, (req.params as IdParams).id, body);
      setTarget(req, 'credential_profile', p.id, { fields: Object.keys(body) });
      return toJson(p);
    },
  });
  app.delete('/credential-profiles/:id', {
    schema: { tags: ['credential-profiles'], summary: 'Delete an unused credential profile', params: IdOrNameParams, response: responses({ 204: NoContent }) },
    config: { access: 'credentials:write', action: 'credential_profile.delete', target: 'credential_profile' },
    handler: async (req, reply) => {
      const p = await deleteCredentialProfile(db, (req.params as IdParams).id);
      setTarget(req, 'credential_profile', p.id, { name: p.name });
      return reply.code(204).send();
    },
  });
}
