// Who is logged in: asks /auth/session once (a 200 either way, so nothing red in the console),
// offers login/logout, and the role's permissions.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setUnauthenticatedHandler } from './api.ts';
import { can as roleCan, type Permission } from './permissions.ts';
import type { User } from './types.ts';

interface AuthState {
  user: User | null;
  loading: boolean;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  can(p: Permission): boolean;
}

const Ctx = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    setUnauthenticatedHandler(() => setUser(null));
    api
      .get<{ authenticated: boolean; user?: User }>('/auth/session')
      .then((r) => setUser(r.authenticated && r.user ? r.user : null))
      .catch(() => setUser(null))
      .finally(() => setLoading(false));
    return () => setUnauthenticatedHandler(null);
  }, []);
  const login = useCallback(async (username: string, password: string) => {
    const r = await api.post<{ user: User }>('/auth/login', { username, password });
    setUser(r.user);
  }, []);
  const logout = useCallback(async () => {
    try {
      await api.post('/auth/logout');
    } finally {
      setUser(null);
    }
  }, []);
  const value = useMemo<AuthState>(() => ({ user, loading, login, logout, can: (p) => roleCan(user?.role, p) }), [user, loading, login, logout]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth(): AuthState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
