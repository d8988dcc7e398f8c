// The CLI session engine and the text filters that depend on a driver.

import type { Driver } from '../drivers/types.ts';
import { applyRules } from '../drivers/helpers.ts';

export { runSession, runShellSession } from './engine.ts';
export type { SessionOptions, SessionResult, RawOutput } from './engine.ts';
export { MemoryConnection } from './memory-channel.ts';

/** Mask secrets in a whole backup text with the driver's secret rules (same rules the engine applies per command). */
export function applySecretMasking(driver: Driver, text: string): string {
  return applyRules(text, driver.secrets);
}

/**
 * The part of a backup that counts for "changed": the driver's significant-change filter
 * applied (volatile lines removed). Without a filter the text itself.
 */
export function significantText(driver: Driver, text: string): string {
  return applyRules(text, driver.significant);
}
