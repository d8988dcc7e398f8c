// Counts failed logins per source IP and username in a fixed window; blocks further attempts
// (even with the right password) until the window ends. In memory: one netkeep process serves the API.
export interface LoginLimiterOptions {
  /** Failed attempts allowed per window (default 10). */
  max?: number;
  /** Window length in ms (default 60 000). */
  windowMs?: number;
}

export class LoginLimiter {
  readonly max: number;
  readonly windowMs: number;
  readonly #hits = new Map<string, { count: number; resetAt: number }>();

  constructor(opts: LoginLimiterOptions = {}) {
    this.max = opts.max ?? 10;
    this.windowMs = opts.windowMs ?? 60_000;
  }

  static key(ip: string, username: string): string {
    return `${ip}\u0000${username.trim().toLowerCase()}`;
  }

  /** Seconds until another attempt is allowed, or 0 when it is allowed now. */
  retryAfter(key: string, now = Date.now()): number {
    const h = this.#hits.get(key);
    if (!h || h.resetAt <= now) return 0;
    return h.count >= this.max ? Math.max(1, Math.ceil((h.resetAt - now) / 1000)) : 0;
  }

  fail(key: string, now = Date.now()): void {
    const h = this.#hits.get(key);
    if (!h || h.resetAt <= now) this.#hits.set(key, { count: 1, resetAt: now + this.windowMs });
    else h.count++;
    if (this.#hits.size > 100_000) {
      for (const [k, v] of this.#hits) if (v.resetAt <= now) this.#hits.delete(k);
    }
  }

  succeed(key: string): void {
    this.#hits.delete(key);
  }
}
