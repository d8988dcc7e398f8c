// The redaction layer every netkeep log line passes through: secret-named fields are censored by
// pino's `redact` paths, and every secret value netkeep has decrypted (device passwords, keys,
// enable secrets, SNMP communities, channel secrets) or was given in its environment is replaced
// in the finished line, wherever it appears — a message, an error text, a nested object.

const CENSOR = '[REDACTED]';
/** Secrets shorter than this are not scrubbed from text (they would mangle ordinary words). */
export const MIN_SECRET_LENGTH = 4;
const MAX_SECRETS = 50_000;

const SECRET_KEYS = [
  'password', 'passphrase', 'secret', 'secrets', 'private_key', 'privateKey', 'enable_password', 'enablePassword', 'enable_secret',
  'community', 'token', 'authorization', 'cookie', 'password_enc', 'enable_password_enc', 'private_key_enc', 'passphrase_enc',
  'secrets_enc', 'auth_password', 'authPassword', 'priv_password', 'privPassword', 'api_key', 'apiKey', 'confirm_token', 'current_password', 'new_password',
];

/** pino `redact` paths: these keys at the top level and up to two levels down, and the HTTP auth headers. */
export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-netkeep-signature"]',
  'res.headers["set-cookie"]',
];

const known = new Set<string>();
/** The compiled alternation of the secrets known at its build, and those added since (checked one by one). */
let pattern: RegExp | undefined;
let fresh: string[] = [];
let builtAt = 0;

/** Remember a secret value so that it never appears in a log line. Safe to call often. */
export function registerSecret(value: string | null | undefined): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
  for (const f of [value, JSON.stringify(value).slice(1, -1)]) {
    if (f.length >= MIN_SECRET_LENGTH && !known.has(f)) {
      // oldest first; the compiled pattern keeps scrubbing it until the next rebuild (harmless)
      if (known.size >= MAX_SECRETS) known.delete(known.values().next().value!);
      known.add(f);
      fresh.push(f);
    }
  }
  // private keys: every line of the key body is a secret too (a key may be logged line by line)
  if (value.includes('\n')) for (const line of value.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) registerSecret(line);
}

/** Secrets from the environment: master key, admin password, database password, metrics token. */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const k of ['NETKEEP_MASTER_KEY', 'NETKEEP_ADMIN_PASSWORD', 'NETKEEP_METRICS_TOKEN', 'NETKEEP_S3_SECRET_KEY', 'AWS_SECRET_ACCESS_KEY', 'PGPASSWORD']) registerSecret(env[k]);
  for (const k of ['DATABASE_URL']) {
    try {
      const u = env[k] ? new URL(env[k]!) : undefined;
      if (u?.password) registerSecret(decodeURIComponent(u.password));
    } catch {
      /* not a URL: nothing to take from it */
    }
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The line with every known secret (and every netkeep API token) replaced by [REDACTED]. */
export function scrub(line: string): string {
  // rebuild the big pattern rarely (it costs O(secrets)); secrets added since are checked one by one
  if (known.size && (!pattern || fresh.length > 256 || (fresh.length && Date.now() - builtAt > 5000))) {
    pattern = new RegExp([...known].sort((a, b) => b.length - a.length).map(escapeRe).join('|'), 'g');
    fresh = [];
    builtAt = Date.now();
  }
  let out = pattern ? line.replace(pattern, CENSOR) : line;
  for (const f of fresh) if (out.includes(f)) out = out.split(f).join(CENSOR);
  if (out.includes('nk_')) out = out.replace(/\bnk_[A-Za-z0-9_-]{16,}/g, CENSOR);
  return out;
}

/** A destination for pino that scrubs each line before handing it on. */
export function scrubbingStream(dest: { write(s: string): unknown }): { write(s: string): void } {
  return { write: (s: string) => void dest.write(scrub(s)) };
}

/** For tests: forget the registered secrets. */
export function clearSecrets(): void {
  known.clear();
  fresh = [];
  pattern = undefined;
}
