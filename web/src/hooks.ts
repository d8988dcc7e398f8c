// Data loading with loading / error / reload, and a debounced value for search boxes.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './api.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

/** GET `path` (null: nothing to load) and keep it; reload() fetches again without clearing. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: path !== null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) {
      setState({ loading: false });
      return;
    }
    const ac = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    api
      .get<T>(path, ac.signal)
      .then((data) => setState({ data, loading: false }))
      .catch((error: Error) => {
        if (error.name !== 'AbortError') setState((s) => ({ data: s.data, error, loading: false }));
      });
    return () => ac.abort();
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function useDebounced<T>(value: T, ms = 250): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** Listen to the server's live events (SSE) while mounted; `query` filters (device=…, types=…). */
export function useEvents(query: string | null, onEvent: (type: string, data: Record<string, unknown>) => void): boolean {
  const cb = useRef(onEvent);
  cb.current = onEvent;
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (query === null) return;
    const es = new EventSource(`/api/v1/events${query}`, { withCredentials: true });
    const types = ['job.queued', 'job.started', 'job.progress', 'job.finished', 'job.retrying', 'job.failed', 'backup.changed', 'backup.significant', 'backup.failed', 'backup.recovered'];
    const handler = (e: MessageEvent) => {
      try {
        cb.current(e.type, JSON.parse(e.data as string));
      } catch {
        // a malformed event is skipped
      }
    };
    for (const t of types) es.addEventListener(t, handler);
    es.onopen = () => setOpen(true);
    es.onerror = () => setOpen(false);
    return () => {
      es.close();
      setOpen(false);
    };
  }, [query]);
  return open;
}
