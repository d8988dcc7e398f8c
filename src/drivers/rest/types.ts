// The declarative REST-profile format: one small file per vendor API, in the spirit of the CLI
// drivers ("drivers are data"). A profile says which HTTP requests to make, how to
// authenticate, how to pull the config text out of the answer, how to make it canonical, which
// facts the API gives and which lines are volatile. Functions appear only where an API needs
// code (pulling a string out of a JSON-RPC envelope, reading an XML answer). A profile never
// opens a socket: src/backup/fetch-rest.ts runs it over src/transports/https.ts.
//
// This file is a contract for profile authors. Add optional fields only.
import type { Facts } from '../types.ts';
import type { XmlElement } from './xml.ts';

export type RestFormat = 'json' | 'xml' | 'text';

/** What a profile's functions see: the device's options, credentials, and state set by earlier steps. */
export interface RestContext {
  readonly options: Readonly<Record<string, unknown>>;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Scratch state of this fetch (the RESTCONF root, a PAN-OS key obtained by keygen, ...). */
  readonly state: Record<string, unknown>;
}

export type Dyn<T> = T | ((ctx: RestContext) => T);

/** One HTTP request. Auth headers are added by the engine from the profile's `auth`. */
export interface RestCall {
  method: Dyn<'GET' | 'POST' | 'PUT'>;
  path: Dyn<string>;
  /** Query parameters (undefined values are left out). */
  query?: Dyn<Record<string, string | undefined>>;
  headers?: Dyn<Record<string, string>>;
  body?: Dyn<string | undefined>;
  /** What a 2xx answer must be: anything else (an HTML login page, garbage) is a protocol_error. */
  expect: Dyn<RestFormat>;
}

/** A 2xx answer after parsing by `expect`. */
export interface RestAnswer {
  status: number;
  contentType: string;
  text: string;
  /** Set when expect is 'json'. */
  json?: unknown;
  /** Set when expect is 'xml'. */
  xml?: XmlElement;
}

/** An error the API reports inside a 2xx answer (JSON-RPC error, PAN-OS status="error"). */
export interface InBandError {
  failureClass: 'auth_failed' | 'command_rejected' | 'protocol_error';
  message: string;
}

export type RestAuth =
  /** HTTP basic auth with the credential profile's username/password. */
  | { kind: 'basic' }
  /** A token from options.token (or the credential's password): `Authorization: Bearer`, or a query parameter when options.tokenIn is 'query'. */
  | { kind: 'bearer'; queryParam?: string }
  /**
   * An API key from options.apiKey sent in `header`; without one, `keygen` is called (with the
   * credential's username/password) and its `extract` returns the key.
   */
  | { kind: 'apikey'; header: string; keygen?: { call: RestCall; extract: (a: RestAnswer, ctx: RestContext) => string | undefined } };

/** One documented option key (shown by `netkeep drivers` and the docs). */
export interface RestOptionDoc {
  name: string;
  description: string;
  default?: string;
}

/** A preparatory step (root discovery, ...); `use` stores what it learned in ctx.state. Failures are tolerated when `optional`. */
export interface RestStep {
  call: RestCall;
  use: (a: RestAnswer, ctx: RestContext) => void;
  optional?: boolean;
  /** Send no credentials (public discovery documents). */
  noAuth?: boolean;
  /** Skip the step when this returns false. */
  when?: (ctx: RestContext) => boolean;
}

export interface RestProfile {
  /** Short stable id: the `profile` option. */
  id: string;
  aliases?: string[];
  vendor: string;
  /** The API, as its vendor names it. */
  api: string;
  /** Default HTTPS port of the API. */
  defaultPort: number;
  auth: RestAuth;
  options?: RestOptionDoc[];
  setup?: RestStep[];
  config: {
    call: RestCall;
    /** The config text out of the answer (before canonicalisation). */
    extract: (a: RestAnswer, ctx: RestContext) => string;
    /** How the text is made canonical: 'json' pretty with sorted keys, 'xml' canonical XML, 'text' line endings and trailing blanks only. */
    canonical: Dyn<RestFormat>;
  };
  /** Facts written in the config text itself (a header line). */
  factsFromConfig?: (config: string) => Facts;
  /** Best effort: a failed facts call never fails the backup. */
  facts?: { call: RestCall; extract: (a: RestAnswer, ctx: RestContext) => Facts }[];
  /** In-band errors of this API, checked on every 2xx answer. */
  inBandError?: (a: RestAnswer) => InBandError | undefined;
  /** Lines removed from the stored text (they change on every export, e.g. a timestamp header). */
  drop?: RegExp[];
  /** Lines kept but ignored when deciding whether a change is significant. */
  volatile?: RegExp[];
}

/** JSON with object keys sorted (code-point order) and two-space indentation, ending with a newline. Arrays keep their order. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = sort((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(sort(value), null, 2) + '\n';
}

/** Text canonical form: LF line endings, no trailing blanks, exactly one final newline. */
export function canonicalText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[ \t]+$/gm, '').replace(/\n*$/, '\n');
}
