// The CSV source: the existing device CSV format (src/inventory/csv.ts parses it), each row keyed
// by its device name, so that a CSV file can be synced like any other source.
import { parseDeviceCsv } from '../csv.ts';
import type { ParsedSource } from './types.ts';

export function parseCsvSource(text: string): ParsedSource {
  const { rows, errors } = parseDeviceCsv(text);
  return { records: rows.map((r) => ({ ...r, key: r.name })), errors, skipped: [] };
}
