// The REST profiles: one file per vendor API. `findRestProfile` resolves an id or alias.
import { NetkeepError } from '../../errors.ts';
import type { RestProfile } from './types.ts';
import { restconf } from './restconf.ts';
import { eapi } from './eapi.ts';
import { panos } from './panos.ts';
import { fortios } from './fortios.ts';
import { junosRest } from './junos-rest.ts';
import { routerosRest } from './routeros-rest.ts';

export const REST_PROFILES: readonly RestProfile[] = [restconf, eapi, panos, fortios, junosRest, routerosRest];

export function findRestProfile(id: unknown): RestProfile {
  const key = typeof id === 'string' ? id.trim().toLowerCase() : '';
  const p = REST_PROFILES.find((x) => x.id === key || x.aliases?.includes(key));
  if (!p) {
    throw new NetkeepError(
      'config_error',
      key ? `no REST profile "${key}"; set the option "profile" to one of ${REST_PROFILES.map((x) => x.id).join(', ')}` : `the REST protocol needs the option "profile": one of ${REST_PROFILES.map((x) => x.id).join(', ')}`,
    );
  }
  return p;
}

export type { RestProfile } from './types.ts';
