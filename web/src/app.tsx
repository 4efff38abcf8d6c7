import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type SessionUser, setCsrf } from './api.ts';
import { Problem } from './components/problem.tsx';
import { zoneName } from './format.ts';
import { useLive } from './live.ts';
import { AdminPage } from './pages/admin.tsx';
import { AccountPage, LoginPage, SetupPage } from './pages/auth-pages.tsx';
import { MachinesPage } from './pages/machines.tsx';
import { Overview } from './pages/overview.tsx';
import { SessionsPage } from './pages/sessions.tsx';
import { WebhooksPage } from './pages/webhooks.tsx';

type Auth =
  | { state: 'loading' }
  | { state: 'setup' }
  | { state: 'login' }
  | { state: 'in'; user: SessionUser }
  | { state: 'error'; message: string };

const ROUTES: { path: string; name: string }[] = [
  { path: '/', name: 'Overview' },
  { path: '/sessions', name: 'Sessions' },
  { path: '/machines', name: 'Machines' },
  { path: '/webhooks', name: 'Webhooks' },
  { path: '/account', name: 'Account' },
  { path: '/admin', name: 'Admin' },
];

function usePath(): [string, (p: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const pop = () => setPath(location.pathname);
    addEventListener('popstate', pop);
    return () => removeEventListener('popstate', pop);
  }, []);
  const go = (p: string) => {
    if (p !== location.pathname) history.pushState(null, '', p);
    setPath(p);
  };
  return [path, go];
}

async function whoAmI(): Promise<Auth> {
  try {
    const s = await api<{ user: SessionUser; csrf_token?: string }>('GET', '/auth/session');
    setCsrf(s.csrf_token ?? '');
    return { state: 'in', user: s.user };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) return { state: 'error', message: (e as Error).message };
  }
  const setup = await api<{ needed: boolean }>('GET', '/auth/setup').catch(() => ({ needed: false }));
  return { state: setup.needed ? 'setup' : 'login' };
}

export function App() {
  const [auth, setAuth] = useState<Auth>({ state: 'loading' });
  const [path, go] = usePath();
  const { tick, live } = useLive(auth.state === 'in');

  useEffect(() => {
    whoAmI().then(setAuth);
  }, []);

  useEffect(() => {
    const title = ROUTES.find((r) => r.path === path)?.name;
    document.title = auth.state === 'in' && title ? `${title} · takt` : 'takt';
  }, [path, auth.state]);

  const signedIn = (user: SessionUser, csrf: string) => {
    setCsrf(csrf);
    setAuth({ state: 'in', user });
    go(path === '/login' || path === '/setup' ? '/' : path);
  };

  switch (auth.state) {
    case 'loading':
      return (
        <main id="main" class="narrow">
          <p class="muted">Loading…</p>
        </main>
      );
    case 'error':
      return (
        <main id="main" class="narrow">
          <h1>takt</h1>
          <Problem error={auth.message} />
        </main>
      );
    case 'setup':
      return <SetupPage onSignedIn={signedIn} />;
    case 'login':
      return <LoginPage onSignedIn={signedIn} />;
    case 'in':
      break;
    default:
      auth satisfies never;
  }

  const page =
    path === '/sessions' ? (
      <SessionsPage tick={tick} />
    ) : path === '/machines' ? (
      <MachinesPage tick={tick} />
    ) : path === '/webhooks' ? (
      <WebhooksPage tick={tick} />
    ) : path === '/admin' && auth.user.role === 'admin' ? (
      <AdminPage tick={tick} me={auth.user} />
    ) : path === '/account' ? (
      <AccountPage
        user={auth.user}
        onSignedOut={() => {
          setCsrf('');
          setAuth({ state: 'login' });
        }}
      />
    ) : (
      <Overview tick={tick} />
    );
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">takt</span>
        <nav aria-label="Main">
          {ROUTES.filter((r) => r.path !== '/admin' || auth.user.role === 'admin').map((r) => (
            <a
              key={r.path}
              href={r.path}
              aria-current={r.path === path ? 'page' : undefined}
              onClick={(e) => {
                if (e.metaKey || e.ctrlKey || e.shiftKey) return;
                e.preventDefault();
                go(r.path);
              }}
            >
              {r.name}
            </a>
          ))}
        </nav>
        <span class={`live ${live ? 'on' : 'off'}`} role="status" data-testid="live">
          {live ? 'live' : 'not live — reconnecting'}
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
      <footer class="muted">
        Times in {zoneName()}. Claude Code cost: what Claude Code reported; list price: takt's price table.
      </footer>
    </>
  );
}
