// Config search over HTTP (GET /search: the latest config of every device, or every stored
// version) and blame (GET /backups/devices/{id}/blame). The search cache lives in this process
// (src/search/cache.ts) and is dropped when the server closes.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { dropLatestConfigs, latestConfigsFor } from '../../search/cache.ts';
import { searchConfigs } from '../../search/search.ts';
import { blameDevice } from '../../store/blame.ts';
import { BlobStore } from '../../store/blobs.ts';
import { DateTime, IdOrNameParams, Nullable, responses, setTarget, toJson } from '../http.ts';

const SearchQuery = Type.Object(
  {
    q: Type.String({ maxLength: 1000, description: 'text or regular expression to look for (required, not empty)' }),
    regex: Type.Boolean({ default: false, description: 'q is a JavaScript regular expression (^ and $ match at line ends)' }),
    case_sensitive: Type.Boolean({ default: false }),
    all_versions: Type.Boolean({ default: false, description: 'search every distinct stored version, not only the latest config of each device (slower)' }),
    context: Type.Integer({ minimum: 0, maximum: 20, default: 2, description: 'lines before and after each match' }),
    group_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'only devices of this group (id or name)' })),
    limit: Type.Integer({ minimum: 1, maximum: 10000, default: 100, description: 'results at most (devices; device versions with all_versions)' }),
    max_matches: Type.Integer({ minimum: 1, maximum: 10000, default: 100, description: 'matching lines per result at most' }),
  },
  { additionalProperties: false },
);

const Match = Type.Object({ line_no: Type.Integer(), line: Type.String(), before: Type.Array(Type.String()), after: Type.Array(Type.String()) });
const SearchResult = Type.Object({
  query: Type.String(),
  regex: Type.Boolean(),
  case_sensitive: Type.Boolean(),
  all_versions: Type.Boolean(),
  group_id: Nullable(Type.String()),
  devices_searched: Type.Integer(),
  devices_matched: Type.Integer({ description: 'every matching device, also beyond limit' }),
  versions_searched: Type.Integer(),
  elapsed_ms: Type.Number(),
  configs_loaded: Type.Integer({ description: 'configs read from the blob store for this search (0: the cache was warm)' }),
  truncated: Type.Boolean({ description: 'more results or matching lines exist than are listed, or the search hit its time limit' }),
  results: Type.Array(
    Type.Object({
      device_id: Type.String(),
      device_name: Type.String(),
      history_id: Type.String(),
      created_at: DateTime(),
      more_matches: Type.Boolean(),
      matches: Type.Array(Match),
    }),
  ),
  warnings: Type.Array(Type.String()),
});

const Blame = Type.Object({
  device_id: Type.String(),
  device_name: Type.String(),
  history_id: Type.String({ description: 'the current (newest successful) version' }),
  versions_examined: Type.Integer(),
  complete: Type.Boolean({ description: 'false when the walk stopped early; see warnings' }),
  warnings: Type.Array(Type.String()),
  lines: Type.Array(Type.Object({ line_no: Type.Integer(), text: Type.String(), history_id: Type.String({ description: 'the version the line first appeared in (since it was last absent)' }), since: DateTime() })),
});

export function searchRoutes(app: FastifyInstance, ctx: AppContext, store: BlobStore = BlobStore.forContext(ctx)): void {
  const cache = latestConfigsFor(ctx.db, store);
  app.addHook('onClose', async () => dropLatestConfigs(ctx.db));

  app.get('/search', {
    schema: {
      tags: ['backups'],
      summary: 'Search the latest config of every device (or every stored version) for text or a regular expression',
      description:
        'Invalid regular expressions answer 400 invalid_regex with the position; patterns that could backtrack exponentially are run by a linear-time engine or refused (400 unsafe_regex); a search stops after 10 s with partial results (truncated).',
      querystring: SearchQuery,
      response: responses({ 200: SearchResult }),
    },
    // shows config lines, like a diff or a download: the same right (viewers only when
    // viewer_can_download is on), and audited
    config: { access: 'backups:download', action: 'backup.search', target: 'search' },
    handler: async (req) => {
      const q = req.query as Static<typeof SearchQuery>;
      req.auditDetails = { ...req.auditDetails, q: q.q, regex: q.regex ?? false, all_versions: q.all_versions ?? false };
      return toJson(
        await searchConfigs(
          ctx.db,
          store,
          {
            q: q.q,
            regex: q.regex,
            caseSensitive: q.case_sensitive,
            allVersions: q.all_versions,
            context: q.context,
            limit: q.limit,
            maxMatches: q.max_matches,
            ...(q.group_id ? { group: q.group_id } : {}),
          },
          cache,
        ),
      );
    },
  });

  app.get('/backups/devices/:id/blame', {
    schema: {
      tags: ['backups'],
      summary: "Each line of a device's current config with the version it first appeared in (since it was last absent)",
      params: IdOrNameParams,
      response: responses({ 200: Blame }),
    },
    // it shows the whole config, as a download does
    config: { access: 'backups:download', action: 'backup.blame', target: 'device' },
    handler: async (req) => {
      const id = (req.params as { id: string }).id;
      setTarget(req, 'device', id);
      const r = await blameDevice(ctx.db, store, id);
      setTarget(req, 'device', r.device_id, { history_id: r.history_id });
      return toJson(r);
    },
  });
}
