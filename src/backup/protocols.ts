// Picks the fetcher of a non-CLI backup protocol (SNMP, NETCONF, REST, SFTP), loaded on demand
// so that SSH-only deployments never load net-snmp or the XML code.
import type { FileProtocol, ProtocolFetcher } from './protocol-types.ts';

const LOADERS: Record<FileProtocol, () => Promise<ProtocolFetcher>> = {
  snmp: async () => (await import('./fetch-snmp.ts')).fetchSnmp,
  rest: async () => (await import('./fetch-rest.ts')).fetchRest,
  netconf: async () => (await import('./fetch-netconf.ts')).fetchNetconf,
  sftp: async () => (await import('./fetch-sftp.ts')).fetchSftp,
};

export const FILE_PROTOCOLS = Object.keys(LOADERS) as FileProtocol[];

export function isFileProtocol(p: string): p is FileProtocol {
  return (FILE_PROTOCOLS as string[]).includes(p);
}

export function protocolFetcher(protocol: FileProtocol): Promise<ProtocolFetcher> {
  return LOADERS[protocol]();
}
