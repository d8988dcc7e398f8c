// Turns the git mirror on from the environment: NETKEEP_GIT_MIRROR=1|true|DIR mirrors every
// backup configuration (each may opt out with options.git_mirror=false), NETKEEP_GIT_MIRROR=selected
// only those with options.git_mirror=true; NETKEEP_GIT_REMOTE (+ NETKEEP_GIT_SSH_KEY or
// NETKEEP_GIT_TOKEN) adds a push target. Off when unset: plaintext leaves the encrypted store
// only where the operator asked for it.
import { isAbsolute, join } from 'node:path';
import { GitMirror, type MirrorChange } from './git-mirror.ts';

export interface ConfiguredMirror {
  /** 'all': every configuration unless it opts out; 'selected': only those that opt in. */
  readonly mode: 'all' | 'selected';
  readonly dir: string;
  enqueue(c: MirrorChange): void;
  /** Write what is queued and stop (shutdown). */
  close(): Promise<void>;
}

/** Whether one backup configuration's changes go to the mirror. */
export function mirrors(mirror: { mode?: 'all' | 'selected' } | undefined, configOption: unknown): boolean {
  if (!mirror) return false;
  if (configOption === false) return false;
  if (configOption === true) return true;
  return mirror.mode !== 'selected';
}

export async function gitMirrorFromEnv(env: NodeJS.ProcessEnv, dataDir: string, log: (line: string) => void): Promise<ConfiguredMirror | undefined> {
  const setting = env.NETKEEP_GIT_MIRROR?.trim();
  if (!setting || setting === '0' || setting === 'false' || setting === 'off') return undefined;
  const mode = setting === 'selected' ? 'selected' : 'all';
  const dir = ['1', 'true', 'on', 'all', 'selected'].includes(setting) ? join(dataDir, 'git') : isAbsolute(setting) ? setting : join(process.cwd(), setting);
  const remoteUrl = env.NETKEEP_GIT_REMOTE?.trim();
  const mirror = new GitMirror({
    dir,
    ...(remoteUrl
      ? {
          remote: {
            url: remoteUrl,
            ...(env.NETKEEP_GIT_SSH_KEY ? { sshKeyPath: env.NETKEEP_GIT_SSH_KEY } : {}),
            ...(env.NETKEEP_GIT_TOKEN ? { token: env.NETKEEP_GIT_TOKEN } : {}),
            ...(env.NETKEEP_GIT_USERNAME ? { username: env.NETKEEP_GIT_USERNAME } : {}),
          },
        }
      : {}),
    onEvent: (e) => {
      if (e.type === 'commit_failed') log(`git mirror: commit failed (${e.error}); ${e.queued} changes kept for the next try`);
      if (e.type === 'push_failed') log(`git mirror: push failed (attempt ${e.attempt}: ${e.error})${e.retryInMs ? `; retrying in ${Math.round(e.retryInMs / 1000)} s` : '; giving up until the next change'}`);
    },
  });
  await mirror.init();
  return {
    mode,
    dir,
    enqueue: (c) => mirror.enqueue(c),
    close: async () => {
      await mirror.flush();
    },
  };
}
