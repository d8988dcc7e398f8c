// A device that refuses the command whose output is the configuration must fail the backup
// with command_rejected — never store the error text as a config; refused informational
// commands stay tolerated (old firmware lacks some), as in Oxidized.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadRecording, RecordingDevice } from '../../src/sim/recording.ts';
import { MemoryConnection } from '../../src/session/memory-channel.ts';
import { runSession } from '../../src/session/engine.ts';
import { getDriver } from '../../src/drivers/index.ts';
import { NetkeepError } from '../../src/errors.ts';

const REC = join(import.meta.dirname, '../fixtures/recordings/ios#C9200L-24P-4G_17.09.04a#simulation.yaml');

function iosDevice(overrides: Record<string, (prompt: string, cmd: string) => string>) {
  const recording = loadRecording(REC);
  const device = new RecordingDevice(recording);
  for (const [key, answer] of Object.entries(overrides)) {
    const original = recording.entries.find((e) => e.key === key)!.value;
    const prompt = original.slice(original.lastIndexOf('\n') + 1);
    device.overrides.set(key, answer(prompt, key.trimEnd()));
  }
  return device;
}

const invalid = (prompt: string, cmd: string) => `${cmd}\r\n                 ^\r\n% Invalid input detected at '^' marker.\r\n\r\n${prompt}`;

describe('command rejected', () => {
  it('fails the backup when the configuration command is refused', async () => {
    const device = iosDevice({ 'show running-config\n': invalid });
    const err = await runSession(new MemoryConnection(device), { driver: getDriver('ios'), credentials: {}, timeouts: { idleMs: 2000, sessionMs: 10000 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NetkeepError);
    expect((err as NetkeepError).failureClass).toBe('command_rejected');
    expect((err as NetkeepError).toLine()).toMatch(/^command rejected: the device rejected "show running-config" \(% Invalid input detected/);
  });

  it('tolerates a refused informational command and still returns the configuration', async () => {
    const device = iosDevice({ 'show vtp status\n': invalid });
    const result = await runSession(new MemoryConnection(device), { driver: getDriver('ios'), credentials: {}, timeouts: { idleMs: 2000, sessionMs: 10000 } });
    expect(result.config).toMatch(/^hostname /m);
    expect(result.config).not.toMatch(/VTP: /);
  });
});
