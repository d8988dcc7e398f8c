// A diff of two versions from the API's hunks: inline (unified) or side by side.
import { Box, Text } from '@mantine/core';
import type { Hunk } from '../types.ts';
import classes from './code.module.css';

interface Row {
  kind: 'hunk' | 'ctx' | 'add' | 'del' | 'change';
  oldNo?: number;
  newNo?: number;
  old?: string;
  new?: string;
  header?: string;
}

/** Side-by-side rows: removed and added runs paired line by line. */
function sideRows(hunks: Hunk[]): Row[] {
  const rows: Row[] = [];
  for (const h of hunks) {
    rows.push({ kind: 'hunk', header: `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@` });
    let o = h.oldStart;
    let n = h.newStart;
    let i = 0;
    while (i < h.lines.length) {
      const l = h.lines[i]!;
      if (l.startsWith('\\')) {
        i++;
        continue;
      }
      if (l.startsWith(' ')) {
        rows.push({ kind: 'ctx', oldNo: o++, newNo: n++, old: l.slice(1), new: l.slice(1) });
        i++;
        continue;
      }
      const dels: string[] = [];
      const adds: string[] = [];
      while (i < h.lines.length && h.lines[i]!.startsWith('-')) dels.push(h.lines[i++]!.slice(1));
      while (i < h.lines.length && (h.lines[i]!.startsWith('+') || h.lines[i]!.startsWith('\\'))) {
        if (h.lines[i]!.startsWith('+')) adds.push(h.lines[i]!.slice(1));
        i++;
      }
      for (let k = 0; k < Math.max(dels.length, adds.length); k++) {
        const d = dels[k];
        const a = adds[k];
        rows.push({
          kind: d !== undefined && a !== undefined ? 'change' : d !== undefined ? 'del' : 'add',
          ...(d !== undefined ? { oldNo: o++, old: d } : {}),
          ...(a !== undefined ? { newNo: n++, new: a } : {}),
        });
      }
    }
  }
  return rows;
}

export function DiffView({ hunks, mode, label }: { hunks: Hunk[]; mode: 'inline' | 'side'; label: string }) {
  if (hunks.length === 0) return <Text c="dimmed">The two versions are identical{' '}(after the filters chosen).</Text>;
  if (mode === 'inline') {
    return (
      <Box className={classes.wrap} tabIndex={0} aria-label={label} role="region">
        <table className={classes.table}>
          <caption className="sr-only">{label}, inline: lines starting with + were added, with − removed</caption>
          <tbody>
            {hunks.map((h, hi) => {
              let o = h.oldStart;
              let n = h.newStart;
              return [
                <tr key={`h${hi}`} className={classes.hunk}>
                  <td className={classes.lno} />
                  <td className={classes.lno} />
                  <td>{`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`}</td>
                </tr>,
                ...h.lines
                  .filter((l) => !l.startsWith('\\'))
                  .map((l, li) => {
                    const kind = l[0];
                    const on = kind === '+' ? '' : o++;
                    const nn = kind === '-' ? '' : n++;
                    return (
                      <tr key={`${hi}-${li}`} className={kind === '+' ? classes.add : kind === '-' ? classes.del : undefined}>
                        <td className={classes.lno}>{on}</td>
                        <td className={classes.lno}>{nn}</td>
                        <td>
                          <span aria-label={kind === '+' ? 'added' : kind === '-' ? 'removed' : undefined}>{kind === ' ' ? ' ' : kind === '-' ? '−' : '+'}</span> {l.slice(1)}
                        </td>
                      </tr>
                    );
                  }),
              ];
            })}
          </tbody>
        </table>
      </Box>
    );
  }
  const rows = sideRows(hunks);
  return (
    <Box className={classes.wrap} tabIndex={0} aria-label={label} role="region">
      <table className={`${classes.table} ${classes.side}`}>
        <caption className="sr-only">{label}, side by side: older version on the left, newer on the right</caption>
        <tbody>
          {rows.map((r, i) =>
            r.kind === 'hunk' ? (
              <tr key={i} className={classes.hunk}>
                <td className={classes.lno} />
                <td colSpan={3}>{r.header}</td>
              </tr>
            ) : (
              <tr key={i}>
                <td className={classes.lno}>{r.oldNo ?? ''}</td>
                <td className={`${classes.sidetext} ${r.old === undefined ? classes.empty : r.kind === 'ctx' ? '' : classes.del}`}>{r.old ?? ''}</td>
                <td className={classes.lno}>{r.newNo ?? ''}</td>
                <td className={`${classes.sidetext} ${r.new === undefined ? classes.empty : r.kind === 'ctx' ? '' : classes.add}`}>{r.new ?? ''}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </Box>
  );
}
