// The extra drivers (platforms beyond the Oxidized recordings), each a small data file.
// The registry (src/drivers/index.ts) includes this list.
import type { Driver } from '../types.ts';
import { aireos } from './aireos.ts';
import { ciscosmb } from './ciscosmb.ts';
import { comware } from './comware.ts';
import { ftos } from './ftos.ts';
import { gaiaos } from './gaiaos.ts';
import { iosxr } from './iosxr.ts';
import { os10 } from './os10.ts';
import { panos } from './panos.ts';
import { procurve } from './procurve.ts';
import { screenos } from './screenos.ts';
import { vrp } from './vrp.ts';
import { edgeos } from './edgeos.ts';
import { edgeswitch } from './edgeswitch.ts';
import { ironware } from './ironware.ts';
import { sros } from './sros.ts';
import { voss } from './voss.ts';
import { xos } from './xos.ts';

export const extraDrivers: readonly Driver[] = [
  aireos,
  ciscosmb,
  comware,
  ftos,
  gaiaos,
  iosxr,
  os10,
  panos,
  procurve,
  screenos,
  vrp,
  edgeos,
  edgeswitch,
  ironware,
  sros,
  voss,
  xos,
];
