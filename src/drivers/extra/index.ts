// The extra drivers (platforms beyond the Oxidized recordings), each a small data file.
// The registry (src/drivers/index.ts) includes this list after the core drivers.
// Every driver here has a synthetic recording in test/fixtures/synthetic/ and is tested by
// test/drivers-extra/extra.test.ts; docs/drivers-extra.md lists them.
import type { Driver } from '../types.ts';
import { aireos } from './aireos.ts';
import { airos } from './airos.ts';
import { aos } from './aos.ts';
import { awplus } from './awplus.ts';
import { boss } from './boss.ts';
import { ciscosmb } from './ciscosmb.ts';
import { comware } from './comware.ts';
import { dlink } from './dlink.ts';
import { edgeos } from './edgeos.ts';
import { edgeswitch } from './edgeswitch.ts';
import { enterasys } from './enterasys.ts';
import { enterprisesonic } from './enterprisesonic.ts';
import { fabricos } from './fabricos.ts';
import { ftos } from './ftos.ts';
import { gaiaos } from './gaiaos.ts';
import { hirschmann } from './hirschmann.ts';
import { iosxr } from './iosxr.ts';
import { ironware } from './ironware.ts';
import { mlnxos } from './mlnxos.ts';
import { netgear } from './netgear.ts';
import { netscaler } from './netscaler.ts';
import { nos } from './nos.ts';
import { opengear } from './opengear.ts';
import { os10 } from './os10.ts';
import { panos } from './panos.ts';
import { pfsense } from './pfsense.ts';
import { powerconnect } from './powerconnect.ts';
import { procurve } from './procurve.ts';
import { saos } from './saos.ts';
import { screenos } from './screenos.ts';
import { slxos } from './slxos.ts';
import { sonicos } from './sonicos.ts';
import { sros } from './sros.ts';
import { tmos } from './tmos.ts';
import { tplink } from './tplink.ts';
import { ucs } from './ucs.ts';
import { voss } from './voss.ts';
import { vrp } from './vrp.ts';
import { xos } from './xos.ts';
import { zynos } from './zynos.ts';

export const extraDrivers: readonly Driver[] = [
  aireos,
  airos,
  aos,
  awplus,
  boss,
  ciscosmb,
  comware,
  dlink,
  edgeos,
  edgeswitch,
  enterasys,
  enterprisesonic,
  fabricos,
  ftos,
  gaiaos,
  hirschmann,
  iosxr,
  ironware,
  mlnxos,
  netgear,
  netscaler,
  nos,
  opengear,
  os10,
  panos,
  pfsense,
  powerconnect,
  procurve,
  saos,
  screenos,
  slxos,
  sonicos,
  sros,
  tmos,
  tplink,
  ucs,
  voss,
  vrp,
  xos,
  zynos,
];
