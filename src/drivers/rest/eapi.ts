// Arista EOS eAPI: JSON-RPC 2.0 `runCmds` on POST /command-api, `show running-config` in text
// format (the CLI text, as the eos CLI driver stores it), `show version` in JSON for facts.
import type { InBandError, RestContext, RestProfile } from './types.ts';

let seq = 0;
function runCmds(cmds: string[], format: 'json' | 'text') {
  return (ctx: RestContext) => {
    const enable = typeof ctx.options.enablePassword === 'string' ? { cmd: 'enable', input: ctx.options.enablePassword } : 'enable';
    return JSON.stringify({ jsonrpc: '2.0', method: 'runCmds', params: { version: 1, cmds: [enable, ...cmds], format }, id: `netkeep-${++seq}` });
  };
}

type RpcReply = { result?: Array<Record<string, unknown>>; error?: { code?: number; message?: string; data?: unknown } };
/** The last command's result (the first is `enable`). */
const last = (json: unknown): Record<string, unknown> => {
  const r = (json as RpcReply).result;
  return Array.isArray(r) && r.length ? (r[r.length - 1] ?? {}) : {};
};

export const eapi: RestProfile = {
  id: 'eapi',
  aliases: ['arista-eapi', 'eos-eapi'],
  vendor: 'Arista',
  api: 'EOS eAPI (JSON-RPC over HTTPS)',
  defaultPort: 443,
  auth: { kind: 'basic' },
  options: [{ name: 'enablePassword', description: 'password for `enable`, when AAA asks for one' }],
  config: {
    call: { method: 'POST', path: '/command-api', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: runCmds(['show running-config'], 'text'), expect: 'json' },
    extract: (a) => {
      const out = last(a.json).output;
      if (typeof out !== 'string') throw new Error('the JSON-RPC result has no "output" text for show running-config');
      return out;
    },
    canonical: 'text',
  },
  facts: [
    {
      call: { method: 'POST', path: '/command-api', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: runCmds(['show version'], 'json'), expect: 'json' },
      extract: (a) => {
        const v = last(a.json);
        const s = (k: string) => (typeof v[k] === 'string' && v[k] ? (v[k] as string) : undefined);
        return { model: s('modelName'), osVersion: s('version'), serial: s('serialNumber') };
      },
    },
  ],
  inBandError: (a): InBandError | undefined => {
    const e = (a.json as RpcReply | undefined)?.error;
    if (!e) return undefined;
    const msg = `eAPI error ${e.code ?? '?'}: ${e.message ?? 'no message'}`;
    if (/unauthori[sz]ed|permission|privilege|authoriz/i.test(e.message ?? '')) return { failureClass: 'auth_failed', message: `${msg}; give the user privilege 15 (or the enable password)` };
    return { failureClass: 'command_rejected', message: `${msg}; check the EOS version and the user's role` };
  },
  drop: [/^! Time: .*$/],
};
