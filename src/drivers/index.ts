// The driver registry: lookup by id or alias, listing for the UI/CLI.

import { NetkeepError } from '../errors.ts';
import type { Driver } from './types.ts';
import { extraDrivers } from './extra/index.ts';
import { ios } from './ios.ts';
import { aoscx } from './aoscx.ts';
import { aosw } from './aosw.ts';
import { arubainstant } from './arubainstant.ts';
import { asa } from './asa.ts';
import { eos } from './eos.ts';
import { efos } from './efos.ts';
import { firelinuxos } from './firelinuxos.ts';
import { fsos } from './fsos.ts';
import { garderos } from './garderos.ts';
import { nxos } from './nxos.ts';
import { vyos } from './vyos.ts';
import { smartbyte } from './smartbyte.ts';
import { quantaos } from './quantaos.ts';
import { tnsr } from './tnsr.ts';
import { vsololt } from './vsololt.ts';
import { fortigate } from './fortigate.ts';
import { fortios } from './fortios.ts';
import { junos } from './junos.ts';
import { routeros } from './routeros.ts';
import { opnsense } from './opnsense.ts';
import { eatonnetwork } from './eatonnetwork.ts';
import { cumulus } from './cumulus.ts';
import { apcaos } from './apcaos.ts';
import { aos7 } from './aos7.ts';
import { asyncos } from './asyncos.ts';
import { fastiron } from './fastiron.ts';
import { firewareos } from './firewareos.ts';
import { linuxgeneric } from './linuxgeneric.ts';
import { mtrlrfs } from './mtrlrfs.ts';
import { siklu } from './siklu.ts';

/** Drivers for the platforms with Oxidized recordings (ported byte-compatible). */
export const CORE_DRIVERS: readonly Driver[] = [
  ios, aoscx, aosw, arubainstant, asa, eos, efos, firelinuxos, fsos, garderos, nxos, vyos, smartbyte, quantaos, tnsr, vsololt, fortigate, fortios, junos, routeros, opnsense, eatonnetwork, cumulus, apcaos,
  aos7, asyncos, fastiron, firewareos, linuxgeneric, mtrlrfs, siklu,
];

/** Names (id or alias) claimed twice; the first driver keeps the name. Tested to be empty. */
export const NAME_CONFLICTS: string[] = [];

const byName = new Map<string, Driver>();
const registered: Driver[] = [];
for (const d of [...CORE_DRIVERS, ...extraDrivers]) {
  if (byName.has(d.id.toLowerCase())) {
    NAME_CONFLICTS.push(`${d.id} (id)`);
    continue;
  }
  registered.push(d);
  for (const n of [d.id, ...(d.aliases ?? [])]) {
    const k = n.toLowerCase();
    if (byName.has(k) && byName.get(k) !== d) {
      NAME_CONFLICTS.push(`${n} (${d.id} vs ${byName.get(k)!.id})`);
      continue;
    }
    byName.set(k, d);
  }
}

/** Every registered driver: the core ones, then the extra ones (src/drivers/extra/). */
export const DRIVERS: readonly Driver[] = registered;

/** The driver with this id or alias (case-insensitive), or undefined. */
export function findDriver(name: string): Driver | undefined {
  return byName.get(name.trim().toLowerCase());
}

/** The driver with this id or alias; NetkeepError('unknown_driver') otherwise. */
export function getDriver(name: string): Driver {
  const d = findDriver(name);
  if (!d) {
    throw new NetkeepError('unknown_driver', `no driver "${name}"; run \`netkeep drivers\` for the list (Oxidized model names work as aliases)`);
  }
  return d;
}

export interface DriverSummary {
  id: string;
  aliases: string[];
  vendor: string;
  platform: string;
  protocols: string[];
  mode: 'shell' | 'exec';
}

/** All drivers, sorted by id. */
export function listDrivers(): DriverSummary[] {
  return [...DRIVERS]
    .map((d) => ({ id: d.id, aliases: [...(d.aliases ?? [])], vendor: d.vendor, platform: d.platform, protocols: [...d.protocols], mode: d.mode }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
