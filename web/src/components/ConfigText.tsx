// A stored configuration with line numbers and light syntax highlighting chosen by platform:
// comments (! or # or /* */), section keywords, addresses, numbers and quoted strings.
import { Box } from '@mantine/core';
import { Fragment, type ReactNode } from 'react';
import classes from './code.module.css';

type Flavour = 'ios' | 'junos' | 'hash';

export function flavourOf(driver: string): Flavour {
  if (/junos|screenos|vyos|edgeos|srx|panos|fortios|mikrotik|routeros/i.test(driver)) return driver.match(/junos|vyos|edgeos|srx/i) ? 'junos' : 'hash';
  if (/linux|opnsense|pfsense|cumulus|sonic|openwrt/i.test(driver)) return 'hash';
  return 'ios';
}

const TOKEN = /("[^"]*"|\b(?:\d{1,3}\.){3}\d{1,3}(?:\/\d{1,2})?\b|\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:\/\d{1,3})?|\b\d+\b)/gi;

function tokens(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const i = m.index ?? 0;
    if (i > last) out.push(text.slice(last, i));
    const t = m[0];
    const cls = t.startsWith('"') ? classes.str : /[.:]/.test(t) ? classes.addr : classes.num;
    out.push(
      <span key={i} className={cls}>
        {t}
      </span>,
    );
    last = i + t.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** One line highlighted for its platform. */
export function highlightLine(line: string, flavour: Flavour): ReactNode {
  const trimmed = line.trimStart();
  if (flavour === 'ios' && trimmed.startsWith('!')) return <span className={classes.comment}>{line}</span>;
  if (flavour !== 'ios' && (trimmed.startsWith('#') || trimmed.startsWith('/*'))) return <span className={classes.comment}>{line}</span>;
  const indent = line.length - trimmed.length;
  const m = /^(\S+)(.*)$/.exec(trimmed);
  if (!m) return line;
  const top = indent === 0 && flavour === 'ios';
  return (
    <>
      {line.slice(0, indent)}
      <span className={top ? classes.section : classes.keyword}>{m[1]}</span>
      {tokens(m[2]!)}
    </>
  );
}

export function ConfigText({ text, driver, label }: { text: string; driver: string; label: string }) {
  const flavour = flavourOf(driver);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return (
    <Box component="pre" className={classes.code} aria-label={label} tabIndex={0}>
      {lines.map((l, i) => (
        <Fragment key={i}>
          <span className={classes.ln} aria-hidden>
            {i + 1}
          </span>
          <span className={classes.line}>{highlightLine(l, flavour)}</span>
          {'\n'}
        </Fragment>
      ))}
    </Box>
  );
}
