// HTTPS simulators of the REST APIs netkeep backs up, one file per API, all on 127.0.0.1 with a
// test certificate. `startRestSim({ vendor: 'eapi' })` returns a listening simulator.
import { HttpsSim } from './server.ts';
import type { HttpsSimOptions, SimVendor } from './server.ts';
import { restconfSim } from './restconf.ts';
import { eapiSim } from './eapi.ts';
import { panosSim } from './panos.ts';
import { fortiosSim } from './fortios.ts';
import { junosSim } from './junos.ts';
import { routerosSim } from './routeros.ts';

export const REST_SIM_VENDORS: Readonly<Record<string, SimVendor>> = {
  restconf: restconfSim,
  eapi: eapiSim,
  panos: panosSim,
  fortios: fortiosSim,
  'junos-rest': junosSim,
  'routeros-rest': routerosSim,
};

export interface RestSimOptions extends HttpsSimOptions {
  /** A REST profile id: restconf, eapi, panos, fortios, junos-rest, routeros-rest. */
  vendor: string;
  port?: number;
}

export async function startRestSim(o: RestSimOptions): Promise<HttpsSim> {
  const v = REST_SIM_VENDORS[o.vendor];
  if (!v) throw new Error(`no REST simulator "${o.vendor}"; one of ${Object.keys(REST_SIM_VENDORS).join(', ')}`);
  return new HttpsSim(v, o).listen(o.port ?? 0);
}

export { HttpsSim, REST_MISBEHAVIOURS, DEFAULT_SIM_AUTH } from './server.ts';
export type { HttpsSimOptions, RestMisbehaviour, SimRequest, SimResponse, SimRestAuth, SimVendor } from './server.ts';
export { simCerts, simCert } from './certs.ts';
export type { SimCert, SimCerts, SimCertKind } from './certs.ts';
