// The web UI: serves the built single-page app (web/dist) at /, with index.html for every other
// GET path (client-side routes), never for /api, /healthz or /metrics (those stay 404 problems).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const WEB_DIST = join(import.meta.dirname, '..', '..', 'web', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Paths that belong to the server, never to the UI. */
const RESERVED = /^\/(api|healthz|metrics)(\/|$|\?)/;

// The UI loads only its own scripts and styles; Mantine sets style attributes (hence 'unsafe-inline' for styles only).
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

interface Asset {
  body: Buffer;
  /** gzip of the body, for text files worth it (compressed once, at start). */
  gzip: Buffer | null;
  type: string;
  immutable: boolean;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>netkeep</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto;line-height:1.5">
<h1>netkeep</h1><p>The web UI is not built in this installation. Build it with <code>npm run build:web</code>
(<code>npm install</code> and <code>npm start</code> do this), then reload.</p>
<p>The API answers under <a href="/api/docs">/api/docs</a>.</p></body></html>`;

/** Read every file of the built UI into memory (it is small), keyed by URL path. */
export function loadAssets(dir = WEB_DIST): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(join(dir, 'index.html'))) return assets;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const url = `/${relative(dir, p).split(sep).join('/')}`;
        const body = readFileSync(p);
        const type = TYPES[extname(p)] ?? 'application/octet-stream';
        const text = /^(text\/|application\/json|image\/svg)/.test(type);
        assets.set(url, { body, gzip: text && body.length > 1024 ? gzipSync(body, { level: 9 }) : null, type, immutable: url.startsWith('/assets/') });
      }
    }
  };
  walk(dir);
  return assets;
}

function securityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'same-origin');
}

/** Register GET /* for the UI on the root instance (outside /api/v1). */
export function staticRoutes(app: FastifyInstance, dir = WEB_DIST): void {
  const assets = loadAssets(dir);
  const index = assets.get('/index.html');
  app.get('/*', {
    schema: { hide: true },
    config: { access: 'public' },
    handler: async (req, reply) => {
      let path: string;
      try {
        path = decodeURIComponent(req.url.split('?')[0]!);
      } catch {
        return reply.callNotFound();
      }
      if (RESERVED.test(path)) return reply.callNotFound();
      securityHeaders(reply);
      const file = assets.get(path);
      if (file && path !== '/index.html') {
        reply.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        if (file.gzip) {
          reply.header('vary', 'accept-encoding');
          if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').type(file.type).send(file.gzip);
        }
        return reply.type(file.type).send(file.body);
      }
      // a missing hashed asset is a real 404 (an old tab after an upgrade): do not answer it with HTML
      if (path.startsWith('/assets/')) return reply.callNotFound();
      reply.header('cache-control', 'no-cache');
      if (!index) return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
      return reply.type('text/html; charset=utf-8').send(index.body);
    },
  });
}
