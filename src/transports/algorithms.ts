// SSH algorithm profiles. `modern` offers only what current OpenSSH considers safe;
// `compatible` adds the SHA-1 / CBC fallbacks that 2010s gear still needs;
// `legacy` adds what very old gear speaks (DH group1, 3DES, ssh-dss, hmac-md5).
// Every profile lists the modern algorithms first, so a capable device still negotiates them.
import type { AlgorithmProfile } from './types.ts';
import { NetkeepError } from '../errors.ts';

export interface AlgorithmLists {
  kex: string[];
  serverHostKey: string[];
  cipher: string[];
  hmac: string[];
  compress: string[];
}

const MODERN: AlgorithmLists = {
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ],
  serverHostKey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'],
  cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
  compress: ['none'],
};

const COMPATIBLE_EXTRA: AlgorithmLists = {
  kex: ['diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1'],
  serverHostKey: ['ssh-rsa'],
  cipher: ['aes128-cbc', 'aes192-cbc', 'aes256-cbc'],
  hmac: ['hmac-sha1-etm@openssh.com', 'hmac-sha1'],
  compress: [],
};

const LEGACY_EXTRA: AlgorithmLists = {
  kex: ['diffie-hellman-group1-sha1'],
  serverHostKey: ['ssh-dss'],
  cipher: ['3des-cbc'],
  hmac: ['hmac-md5', 'hmac-sha1-96', 'hmac-md5-96'],
  compress: [],
};

function merge(...lists: AlgorithmLists[]): AlgorithmLists {
  const out: AlgorithmLists = { kex: [], serverHostKey: [], cipher: [], hmac: [], compress: [] };
  for (const l of lists) {
    for (const k of Object.keys(out) as (keyof AlgorithmLists)[]) out[k].push(...l[k].filter((a) => !out[k].includes(a)));
  }
  return out;
}

/** The algorithm lists ssh2 gets for a profile (also used by the simulator to play an old device). */
export function algorithmsFor(profile: AlgorithmProfile = 'modern'): AlgorithmLists {
  switch (profile) {
    case 'modern':
      return merge(MODERN);
    case 'compatible':
      return merge(MODERN, COMPATIBLE_EXTRA);
    case 'legacy':
      return merge(MODERN, COMPATIBLE_EXTRA, LEGACY_EXTRA);
    default:
      throw new NetkeepError('config_error', `unknown SSH algorithm profile '${String(profile)}'; use modern, compatible or legacy`);
  }
}

/** Only the old algorithms: what a device that speaks nothing newer offers (simulator use). */
export function legacyOnlyAlgorithms(): AlgorithmLists {
  return {
    kex: ['diffie-hellman-group1-sha1', 'diffie-hellman-group14-sha1'],
    serverHostKey: ['ssh-rsa'],
    cipher: ['aes128-cbc', '3des-cbc'],
    hmac: ['hmac-sha1'],
    compress: ['none'],
  };
}
