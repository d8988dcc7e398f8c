// The application frame: navigation, the user menu, and the page for the current path.
import { AppShell, Badge, Burger, Button, Group, NavLink, ScrollArea, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { useAuth } from './auth.tsx';
import { Loading } from './components/State.tsx';
import { Link, match, navigate, useLocation } from './router.tsx';
import { LoginPage } from './pages/Login.tsx';
import { DashboardPage } from './pages/Dashboard.tsx';

// pages other than the dashboard load on first visit: a small first download
const DevicesPage = lazy(() => import('./pages/Devices.tsx'));
const DeviceDetailPage = lazy(() => import('./pages/DeviceDetail.tsx'));
const ConfigsPage = lazy(() => import('./pages/Configs.tsx'));
const ActivityPage = lazy(() => import('./pages/Activity.tsx'));
const ReportsPage = lazy(() => import('./pages/Reports.tsx'));
const SettingsPage = lazy(() => import('./pages/Settings.tsx'));
const SearchPage = lazy(() => import('./pages/Search.tsx'));
const CompliancePage = lazy(() => import('./pages/Compliance.tsx'));

const NAV = [
  { to: '/', label: 'Dashboard' },
  { to: '/devices', label: 'Devices' },
  { to: '/search', label: 'Search' },
  { to: '/configs', label: 'Backup configurations' },
  { to: '/activity', label: 'Activity' },
  { to: '/compliance', label: 'Compliance' },
  { to: '/reports', label: 'Reports' },
  { to: '/settings', label: 'Settings' },
];

function page(path: string): ReactNode {
  if (path === '/') return <DashboardPage />;
  if (path === '/devices') return <DevicesPage />;
  const d = match('/devices/:id', path);
  if (d) return <DeviceDetailPage id={d.id!} />;
  if (path === '/configs') return <ConfigsPage />;
  if (path === '/activity') return <ActivityPage />;
  if (path === '/reports') return <ReportsPage />;
  if (path === '/search') return <SearchPage />;
  if (path === '/compliance') return <CompliancePage />;
  if (path === '/settings') return <SettingsPage />;
  return (
    <>
      <Title order={1}>Page not found</Title>
      <Text mt="sm">
        There is no page at {path}. <Link to="/" className="plain">Go to the dashboard</Link>.
      </Text>
    </>
  );
}

export function App() {
  const { user, loading, logout } = useAuth();
  const { path } = useLocation();
  const [opened, { toggle, close }] = useDisclosure(false);
  useEffect(() => close(), [path, close]);

  if (loading) return <Loading label="Starting netkeep…" />;
  if (!user) return <LoginPage />;
  if (path === '/login') {
    navigate('/', { replace: true });
    return null;
  }
  const active = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));

  return (
    <AppShell header={{ height: 52 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Show navigation" />
            <Link to="/" className="plain" aria-label="netkeep home">
              <Text fw={700} size="lg" c="blue.8">
                netkeep
              </Text>
            </Link>
          </Group>
          <Group gap="sm">
            <Text size="sm" aria-label="logged in as">
              {user.username}
            </Text>
            <Badge variant="outline" aria-label={`role ${user.role}`}>
              {user.role}
            </Badge>
            <Button size="xs" variant="default" onClick={() => void logout()}>
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <ScrollArea>
          <nav>
            {NAV.map((n) => (
              <NavLink
                key={n.to}
                component={Link}
                to={n.to}
                label={n.label}
                active={active(n.to)}
                aria-current={active(n.to) ? 'page' : undefined}
              />
            ))}
          </nav>
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading label="Loading page…" />}>{page(path)}</Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
