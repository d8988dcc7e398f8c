// The simulated lab of `netkeep demo`: a synthetic campus fleet (IOS-like switches, one with a
// wrong password, one running an HTTP server against policy) and recorded devices of other
// vendors (Oxidized's recordings in ./recordings), all on 127.0.0.1, with configs that change.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFleet, type Fleet } from '../sim/fleet.ts';
import { loadRecording, RecordingDevice } from '../sim/recording.ts';
import { SimSshServer } from '../sim/server-ssh.ts';

export const RECORDINGS_DIR = fileURLToPath(new URL('./recordings/', import.meta.url));
/** Recorded models whose drivers run commands in exec mode (no interactive shell). */
const EXEC_MODELS = new Set(['junos', 'routeros']);
/** The password of every lab device (they only listen on 127.0.0.1). */
export const LAB_PASSWORD = 'netkeep-demo';

export interface LabDevice {
  name: string;
  address: string;
  port: number;
  driver: string;
  group: 'campus' | 'datacenter';
  username: string;
  password: string;
  site: string;
  note?: string;
}

export interface Lab {
  devices: LabDevice[];
  /** Change some campus configs now; returns the names of the devices changed. */
  change(): string[];
  /** The device whose backups fail (wrong password), and the one that breaks the HTTP-server rule. */
  failing: string;
  violating: string;
  close(): Promise<void>;
}

/** Start the lab: `campus` synthetic switches plus one device per recording. */
export async function startLab(o: { campus?: number } = {}): Promise<Lab> {
  const count = Math.max(3, o.campus ?? 30);
  const fleet: Fleet = await startFleet({
    count,
    namePrefix: 'campus-sw',
    password: LAB_PASSWORD,
    configLines: 160,
    changeShare: 0.15,
    misbehaviourOf: (i) => (i === count - 1 ? 'wrong-password' : undefined),
  });
  const recorded = new SimSshServer({ mode: 'port' });
  try {
    const devices: LabDevice[] = fleet.info.map((d, i) => ({
      name: d.name,
      address: d.host,
      port: d.sshPort!,
      driver: 'ios',
      group: 'campus',
      username: d.username,
      password: LAB_PASSWORD,
      site: i % 2 ? 'building-b' : 'building-a',
      ...(d.misbehaviour ? { note: 'expects another password: its backups fail with auth_failed' } : {}),
    }));
    const files = readdirSync(RECORDINGS_DIR).filter((f) => f.endsWith('#simulation.yaml')).sort();
    for (const f of files) {
      const rec = loadRecording(join(RECORDINGS_DIR, f));
      const model = f.split('#')[0]!;
      const port = await recorded.addDevice(new RecordingDevice(rec, { execMode: EXEC_MODELS.has(model) }));
      devices.push({
        name: `dc-${model}-${rec.device.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40)}`,
        address: '127.0.0.1',
        port,
        driver: model,
        group: 'datacenter',
        username: 'netkeep',
        password: LAB_PASSWORD,
        site: 'dc1',
        note: 'recorded session of a real device (Oxidized project, Apache-2.0)',
      });
    }
    // one campus switch runs the HTTP server the policy forbids
    const violating = fleet.devices[2]!;
    violating.setRunningConfig(violating.state.runningConfig.replace(/^no ip http server$/m, 'ip http server'));
    const failing = fleet.info[count - 1]!.name;
    return {
      devices,
      failing,
      violating: violating.name,
      change: () => {
        const changed = fleet.advance();
        if (changed.length === 0) {
          // a small lab: still change one switch each time, so there is always something to see
          const d = fleet.devices[fleet.run % (count - 1)]!;
          d.mutate(fleet.run);
          changed.push(d.name);
        }
        return changed;
      },
      async close() {
        await Promise.allSettled([fleet.close(), recorded.close()]);
      },
    };
  } catch (err) {
    await Promise.allSettled([fleet.close(), recorded.close()]);
    throw err;
  }
}
