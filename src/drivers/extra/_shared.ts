// Small building blocks shared by the extra drivers (src/drivers/extra/*). They only combine
// the helpers of ../helpers.ts; nothing here knows a vendor.

import type { CleanupFn, OutputProcessor } from '../types.ts';
import { commentLines, dropFirstLast, lines, rejectLines, type LinePattern } from '../helpers.ts';

/** Drop the echoed command (first line) and the prompt (last line): Oxidized `cut_both`. */
export const cutBoth: CleanupFn = (out) => dropFirstLast(out);

/** Delete every CR (devices that send CR CR LF or stray CRs). */
export const dropCR: CleanupFn = (out) => out.replaceAll('\r', '');

/** Drop lines of output that start with CR only up to the text (a CR at line start means "redraw"). */
export const leadingCR: CleanupFn = (out) => out.replace(/(^|\n)\r+/g, '$1');

/** Comment the whole output with `prefix` (Oxidized `comment`). */
export function commented(prefix: string, ...drop: LinePattern[]): OutputProcessor {
  return (out) => commentLines(drop.length ? rejectLines(out, ...drop) : out, prefix);
}

/** Drop leading lines while they match (blank lines by default). */
export function dropLeading(text: string, re: RegExp = /^\s*$/): string {
  const ls = lines(text);
  let i = 0;
  while (i < ls.length && re.test(ls[i])) i++;
  return ls.slice(i).join('');
}

/** Drop trailing lines while they match (blank lines by default). */
export function dropTrailing(text: string, re: RegExp = /^\s*$/): string {
  const ls = lines(text);
  let n = ls.length;
  while (n > 0 && re.test(ls[n - 1])) n--;
  return ls.slice(0, n).join('');
}

/** Ensure the text ends with exactly one "\n" when it is not empty. */
export function endLine(text: string): string {
  return text === '' || text.endsWith('\n') ? text : text + '\n';
}
