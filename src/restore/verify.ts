// The check after every push: fetch the device's config again and compare it with the version
// in the comparable form (comments, separators and volatile lines dropped); and the outcome a
// push reports to the workflow.
import { diffTexts } from '../store/history.ts';
import { fetchLive, type RestoreDevice } from './device.ts';
import { comparable } from './plan.ts';

export type RestoreStatus = 'success' | 'failed' | 'rolled_back';

export interface Outcome {
  status: RestoreStatus;
  verified: boolean;
  verify_diff?: string;
  failed_line?: string;
  device_answer?: string;
  message: string;
  /** The config read back when it verified: recorded as a new version. */
  liveAfter?: string;
}

/** Fetch again and compare with the version. */
export async function verify(dev: RestoreDevice, target: string): Promise<{ ok: boolean; live: string; diff: string }> {
  const now = await fetchLive(dev);
  const a = comparable(now, dev);
  const b = comparable(target, dev);
  return { ok: a === b, live: now, diff: a === b ? '' : diffTexts(a, b, { fromName: `${dev.name} after restore`, toName: 'version' }).unified };
}

/** Is the device's config (read now) the one it had before the push? False when it cannot be read. */
export async function isBack(dev: RestoreDevice, before: string): Promise<boolean> {
  try {
    return comparable(await fetchLive(dev), dev) === comparable(before, dev);
  } catch {
    return false;
  }
}

export function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 200) ?? '';
}
