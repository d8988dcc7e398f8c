// What each role may do: the UI hides or disables what a role may not do (the API refuses it anyway).
// Mirrors ROLE_PERMISSIONS in src/api/http.ts.
import type { Role } from './types.ts';

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

const ALL: Permission[] = [
  'inventory:read', 'inventory:write', 'inventory:import', 'credentials:read', 'credentials:write', 'backups:read', 'backups:write',
  'backups:run', 'backups:restore', 'backups:download', 'users:admin', 'audit:read', 'settings:admin',
];
const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: ALL,
  operator: ['inventory:read', 'inventory:write', 'credentials:read', 'backups:read', 'backups:write', 'backups:run', 'backups:restore', 'backups:download'],
  // viewers may download when the server setting viewer_can_download is on (the default): the API decides
  viewer: ['inventory:read', 'backups:read', 'backups:download'],
};

export function can(role: Role | undefined, p: Permission): boolean {
  return !!role && ROLE_PERMISSIONS[role].includes(p);
}
