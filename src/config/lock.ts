// The data-directory lock: one netkeep process per embedded data directory, and a clear
// error for the second one instead of two processes sharing (and corrupting) PGlite files.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { NetkeepError } from '../errors.ts';

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readInfo(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** Take the lock of `dataDir` or throw a NetkeepError naming the process that holds it. */
export function lockDataDir(dataDir: string, command: string): DataDirLock {
  const path = join(dataDir, 'netkeep.lock');
  const info: LockInfo = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(info) + '\n');
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const current = readInfo(path);
        if (current?.pid === process.pid) unlinkSync(path);
      };
      process.once('exit', release);
      return { path, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readInfo(path);
      const sameHost = holder?.host === info.host;
      if (holder && sameHost && !alive(holder.pid)) {
        // a process that died without releasing: the lock is stale, take it over
        unlinkSync(path);
        continue;
      }
      const who = holder
        ? `netkeep ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.since})`
        : 'another netkeep process';
      throw new NetkeepError(
        'config_error',
        `the data directory ${dataDir} is in use by ${who}. Stop that process, or give this one another --data-dir; ` +
          `to run several netkeep processes on one database, use PostgreSQL (--database-url). ` +
          `If no netkeep is running, delete ${path}.`,
      );
    }
  }
  throw new NetkeepError('config_error', `could not take the lock ${path}; delete it if no netkeep process is running`);
}
