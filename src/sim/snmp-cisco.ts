// A simulated Cisco SNMP agent (net-snmp's agent): a small system group, one ENTITY-MIB chassis
// row, and CISCO-CONFIG-COPY-MIB's ccCopyTable. Creating a row with createAndGo starts the copy:
// running/startup-config → network file sends the config by TFTP to the given server; network
// file → running/startup-config reads it from there. ccCopyState goes waiting → running →
// successful/failed, as on the real thing. snmpd cannot do this, hence this simulator.
import snmp from 'net-snmp';
import { createSocket } from 'node:dgram';
import { tftpGet, tftpPut } from '../transports/tftp.ts';

// net-snmp's table providers sit at the *entry* OID: instances are <entry>.<column>.<index>
const CC_ENTRY = '1.3.6.1.4.1.9.9.96.1.1.1.1';
const CC_STATE = { waiting: 1, running: 2, successful: 3, failed: 4 };
const CC_FAIL = { unknown: 1, badFileName: 2, timeout: 3, noConfig: 5, unsupportedProtocol: 6 };

export interface SimCiscoOptions {
  address?: string;
  /** Default: a free port. */
  port?: number;
  /** Read-write community. */
  community?: string;
  /** Optional v3 user (authPriv, SHA-256/AES). */
  v3User?: { name: string; authKey: string; privKey: string };
  runningConfig: string;
  startupConfig?: string;
  sysDescr?: string;
  sysName?: string;
  model?: string;
  serial?: string;
  /** The UDP port the device sends TFTP to (a real device always uses 69). */
  tftpPort?: number;
  /** Per-transfer deadline of the device's TFTP client, ms. */
  tftpTimeoutMs?: number;
  /** Test knob: the copy stays "running" for ever. */
  hang?: boolean;
}

export interface SimCiscoAgent {
  readonly address: string;
  readonly port: number;
  runningConfig: string;
  startupConfig: string;
  /** Copies started so far, for assertions. */
  readonly copies: { source: number; dest: number; server: string; fileName: string; state: number }[];
  close(): Promise<void>;
}

function freeUdpPort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.on('error', reject);
    s.bind(0, address, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startSimCiscoAgent(o: SimCiscoOptions): Promise<SimCiscoAgent> {
  const address = o.address ?? '127.0.0.1';
  const community = o.community ?? 'private';
  // net-snmp's agent treats port 0 as "default" (161): find a free port ourselves
  const port = o.port || (await freeUdpPort(address));
  const agent = snmp.createAgent({ port, address, disableAuthorization: false, accessControlModelType: snmp.AccessControlModelType.None }, () => {});
  const authorizer = agent.getAuthorizer();
  authorizer.addCommunity(community);
  if (o.v3User) {
    authorizer.addUser({
      name: o.v3User.name,
      level: snmp.SecurityLevel.authPriv,
      authProtocol: snmp.AuthProtocols.sha256,
      authKey: o.v3User.authKey,
      privProtocol: snmp.PrivProtocols.aes,
      privKey: o.v3User.privKey,
    });
  }
  const mib = agent.getMib();
  const started = Date.now();
  const scalar = (name: string, oid: string, type: number, value: unknown, handler?: (req: { instanceNode: { value: unknown }; done: () => void }) => void) => {
    mib.registerProvider({ name, type: snmp.MibProviderType.Scalar, oid, scalarType: type, maxAccess: snmp.MaxAccess['read-only'], ...(handler ? { handler } : {}) });
    mib.setScalarValue(name, value);
  };
  const O = snmp.ObjectType;
  scalar('sysDescr', '1.3.6.1.2.1.1.1', O.OctetString, o.sysDescr ?? 'Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.7(3)M8, RELEASE SOFTWARE (fc2)');
  scalar('sysObjectID', '1.3.6.1.2.1.1.2', O.OID, '1.3.6.1.4.1.9.1.1041');
  scalar('sysUpTime', '1.3.6.1.2.1.1.3', O.TimeTicks, 0, (req) => {
    req.instanceNode.value = Math.floor((Date.now() - started) / 10);
    req.done();
  });
  scalar('sysName', '1.3.6.1.2.1.1.5', O.OctetString, o.sysName ?? 'sim-cisco');

  mib.registerProvider({
    name: 'entPhysicalTable',
    type: snmp.MibProviderType.Table,
    oid: '1.3.6.1.2.1.47.1.1.1.1',
    maxAccess: snmp.MaxAccess['not-accessible'],
    tableColumns: [
      { number: 1, name: 'entPhysicalIndex', type: O.Integer, maxAccess: snmp.MaxAccess['not-accessible'] },
      { number: 5, name: 'entPhysicalClass', type: O.Integer, maxAccess: snmp.MaxAccess['read-only'] },
      { number: 10, name: 'entPhysicalSoftwareRev', type: O.OctetString, maxAccess: snmp.MaxAccess['read-only'] },
      { number: 11, name: 'entPhysicalSerialNum', type: O.OctetString, maxAccess: snmp.MaxAccess['read-only'] },
      { number: 13, name: 'entPhysicalModelName', type: O.OctetString, maxAccess: snmp.MaxAccess['read-only'] },
    ],
    tableIndex: [{ columnName: 'entPhysicalIndex', columnNumber: 1 }],
  });
  mib.addTableRow('entPhysicalTable', [1, 3, '15.7(3)M8', o.serial ?? 'FGL1234ABCD', o.model ?? 'CISCO2911/K9']);

  const rw = snmp.MaxAccess['read-create'];
  const sim: SimCiscoAgent = {
    address,
    port: 0,
    runningConfig: o.runningConfig,
    startupConfig: o.startupConfig ?? o.runningConfig,
    copies: [],
    close: () => new Promise<void>((resolve) => agent.close(() => resolve())),
  };

  const setCell = (col: number, index: number, value: unknown) => {
    try {
      mib.setTableSingleCell('ccCopyTable', col, [index], value);
    } catch {
      /* row destroyed meanwhile */
    }
  };

  const startCopy = (index: number) => {
    const cell = (col: number) => {
      try {
        return mib.getTableSingleCell('ccCopyTable', col, [index]);
      } catch {
        return undefined;
      }
    };
    if (cell(10) !== CC_STATE.waiting) return;
    const protocol = cell(2) as number;
    const source = cell(3) as number;
    const dest = cell(4) as number;
    const rev1 = cell(16) as Buffer | undefined;
    const server = rev1 && rev1.length === 4 ? [...rev1].join('.') : (cell(5) as string);
    const fileName = String(cell(6) ?? '');
    const copy = { source, dest, server, fileName, state: CC_STATE.running };
    sim.copies.push(copy);
    const finish = (state: number, cause?: number) => {
      copy.state = state;
      setCell(10, index, state);
      if (cause) setCell(13, index, cause);
    };
    setCell(10, index, CC_STATE.running);
    if (o.hang) return;
    if (protocol !== 1) return finish(CC_STATE.failed, CC_FAIL.unsupportedProtocol);
    if (!fileName || !server || server === '0.0.0.0') return finish(CC_STATE.failed, CC_FAIL.badFileName);
    const tftp = { host: server, port: o.tftpPort ?? 69, filename: fileName, timeoutMs: o.tftpTimeoutMs ?? 5000, retransmitMs: 300, blksize: 1024 };
    if (dest === 1 && (source === 3 || source === 4)) {
      const text = source === 4 ? sim.runningConfig : sim.startupConfig;
      tftpPut(tftp, Buffer.from(text, 'utf8')).then(
        () => finish(CC_STATE.successful),
        (e: Error & { tftpCode?: number }) => finish(CC_STATE.failed, e.tftpCode !== undefined ? CC_FAIL.badFileName : CC_FAIL.timeout),
      );
    } else if (source === 1 && (dest === 3 || dest === 4)) {
      tftpGet(tftp).then(
        (data) => {
          if (dest === 4) sim.runningConfig = data.toString('utf8');
          else sim.startupConfig = data.toString('utf8');
          finish(CC_STATE.successful);
        },
        (e: Error & { tftpCode?: number }) => finish(CC_STATE.failed, e.tftpCode !== undefined ? CC_FAIL.badFileName : CC_FAIL.timeout),
      );
    } else {
      finish(CC_STATE.failed, CC_FAIL.unknown);
    }
  };

  mib.registerProvider({
    name: 'ccCopyTable',
    type: snmp.MibProviderType.Table,
    oid: CC_ENTRY,
    maxAccess: snmp.MaxAccess['not-accessible'],
    tableColumns: [
      { number: 1, name: 'ccCopyIndex', type: O.Integer, maxAccess: snmp.MaxAccess['not-accessible'] },
      { number: 2, name: 'ccCopyProtocol', type: O.Integer, maxAccess: rw, defVal: 1 },
      { number: 3, name: 'ccCopySourceFileType', type: O.Integer, maxAccess: rw, defVal: 4 },
      { number: 4, name: 'ccCopyDestFileType', type: O.Integer, maxAccess: rw, defVal: 1 },
      { number: 5, name: 'ccCopyServerAddress', type: O.IpAddress, maxAccess: rw, defVal: '0.0.0.0' },
      { number: 6, name: 'ccCopyFileName', type: O.OctetString, maxAccess: rw, defVal: '' },
      { number: 10, name: 'ccCopyState', type: O.Integer, maxAccess: snmp.MaxAccess['read-only'], defVal: CC_STATE.waiting },
      { number: 13, name: 'ccCopyFailCause', type: O.Integer, maxAccess: snmp.MaxAccess['read-only'], defVal: 0 },
      { number: 14, name: 'ccCopyEntryRowStatus', type: O.Integer, maxAccess: rw, rowStatus: true },
      { number: 15, name: 'ccCopyServerAddressType', type: O.Integer, maxAccess: rw, defVal: 0 },
      { number: 16, name: 'ccCopyServerAddressRev1', type: O.OctetString, maxAccess: rw, defVal: '' },
    ],
    tableIndex: [{ columnName: 'ccCopyIndex', columnNumber: 1 }],
    // createAndGo/createAndWait on ccCopyEntryRowStatus: a new row with the MIB's defaults
    createHandler: (req: { action: string; row: number[] | number }) => {
      const index = Array.isArray(req.row) ? req.row[0] : req.row;
      return [index, 1, 4, 1, '0.0.0.0', '', CC_STATE.waiting, 0, snmp.RowStatus[req.action as 'createAndGo'], 0, ''];
    },
    handler: (req: { operation: number; commitSet?: boolean; instanceNode?: { oid: string; getTableColumnFromInstanceNode(): number }; done: () => void }) => {
      if (req.operation === snmp.PduType.SetRequest && req.commitSet && req.instanceNode?.getTableColumnFromInstanceNode() === 14) {
        const index = Number(req.instanceNode.oid.split('.').pop());
        // after the whole PDU is committed: every column of the row has its value
        setImmediate(() => startCopy(index));
      }
      req.done();
    },
  });

  Object.assign(sim, { port });
  return sim;
}
